import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '@platform/service-kit';
import { findApiKey, hashApiKey, loadApiKeys, newApiKey } from '@platform/gateway/dist/auth/api-keys';
import { createJwtCheck } from '@platform/gateway/dist/auth/jwt';
import { signJwt } from '../harness/gateway';

const dir = mkdtempSync(join(tmpdir(), 'gateway-auth-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

test('API keys are found by their SHA-256 only; unknown, empty and oversized keys are not', () => {
  const a = newApiKey();
  const b = newApiKey();
  expect(a.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(a.sha256).toBe(hashApiKey(a.key));
  const keys = loadApiKeys(file('keys.json', JSON.stringify({ keys: [{ clientId: 'alice', sha256: a.sha256 }, { clientId: 'bob', sha256: b.sha256, rateLimitMax: 5 }] })));
  expect(findApiKey(keys, a.key)?.clientId).toBe('alice');
  expect(findApiKey(keys, b.key)).toMatchObject({ clientId: 'bob', rateLimitMax: 5 });
  expect(findApiKey(keys, a.sha256)).toBeUndefined();
  expect(findApiKey(keys, '')).toBeUndefined();
  expect(findApiKey(keys, 'x'.repeat(10_000))).toBeUndefined();
});

test('a bad key file stops the start with a message naming the problem, never a key', () => {
  expect(() => loadApiKeys(join(dir, 'missing.json'))).toThrow(StartupError);
  expect(() => loadApiKeys(file('bad.json', '{"keys":[{"clientId":"a b","sha256":"plain-text-key"}]}'))).toThrow(/clientId.*sha256|sha256/s);
  expect(() => loadApiKeys(file('notjson.json', 'keys:'))).toThrow(/cannot read/);
});

describe('JWT', () => {
  const secret = 's'.repeat(40);
  const check = createJwtCheck({ secretFile: file('secret', `${secret}\n`), issuer: 'iss-1', audience: 'aud-1', clockToleranceMs: 0 });
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'svc-a', iss: 'iss-1', aud: 'aud-1', exp: now + 60 };

  test('a valid HS256 token yields its subject as the client id', () => {
    expect(check(signJwt(secret, claims))).toEqual({ ok: true, identity: { clientId: 'svc-a' } });
    expect(check(signJwt(secret, { ...claims, aud: ['other', 'aud-1'], nbf: now - 5 })).ok).toBe(true);
  });

  test.each([
    ['expired', { ...claims, exp: now - 10 }, 'expired'],
    ['not yet valid', { ...claims, nbf: now + 60 }, 'not valid yet'],
    ['wrong issuer', { ...claims, iss: 'iss-2' }, 'issuer or audience'],
    ['wrong audience', { ...claims, aud: 'aud-2' }, 'issuer or audience'],
    ['no exp', { sub: 'svc-a', iss: 'iss-1', aud: 'aud-1' }, 'required claim'],
    ['no sub', { iss: 'iss-1', aud: 'aud-1', exp: now + 60 }, 'required claim'],
    ['odd subject', { ...claims, sub: 'a b\nc' }, 'subject'],
  ])('%s is refused', (_what, payload, reason) => {
    const result = check(signJwt(secret, payload));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });

  test('other secrets, other algorithms and unsigned tokens are refused', () => {
    expect(check(signJwt('t'.repeat(40), claims)).ok).toBe(false);
    expect(check(signJwt(secret, claims, { alg: 'HS512', typ: 'JWT' })).ok).toBe(false);
    expect(check(signJwt(secret, claims, { alg: 'none' }).replace(/[^.]+$/, '')).ok).toBe(false);
    expect(check('not-a-token').ok).toBe(false);
  });

  test('a short secret stops the start', () => {
    expect(() => createJwtCheck({ secretFile: file('short', 'short'), issuer: 'i', audience: 'a', clockToleranceMs: 0 })).toThrow(/at least 32 bytes/);
  });
});
