import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '@platform/service-kit';
import { hashApiKey, loadApiKeys, newApiKey } from '@platform/gateway/dist/auth/api-keys';
import { apiKeysMap, jwtMap, limitsMap, MAP_SAFE, writeMapFile } from '@platform/gateway/dist/edge/edge-maps';
import { readJwtSettings } from '@platform/gateway/dist/edge/jwt-settings';

const dir = mkdtempSync(join(tmpdir(), 'gateway-auth-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

test('the edge gets each key as its SHA-256 and client id, and a limit only for clients that have their own', () => {
  const a = newApiKey();
  const b = newApiKey();
  expect(a.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(a.sha256).toBe(hashApiKey(a.key));
  const keys = loadApiKeys(file('keys.json', JSON.stringify({ keys: [{ clientId: 'alice', sha256: a.sha256 }, { clientId: 'bob', sha256: b.sha256, rateLimitMax: 5 }] })));
  expect(apiKeysMap(keys)).toEqual([
    [a.sha256, 'alice'],
    [b.sha256, 'bob'],
  ]);
  expect(limitsMap(keys, 600)).toEqual([
    ['@default', '600'],
    ['bob', '5'],
  ]);
  const mapFile = writeMapFile(dir, 'apiKeys', apiKeysMap(keys));
  expect(readFileSync(mapFile, 'utf8')).toBe(`${a.sha256} alice\n${b.sha256} bob\n`);
  expect(readFileSync(mapFile, 'utf8')).not.toContain(a.key);
  expect(statSync(mapFile).mode & 0o777).toBe(0o600);
});

test('a bad key file stops the start with a message naming the problem, never a key', () => {
  expect(() => loadApiKeys(join(dir, 'missing.json'))).toThrow(StartupError);
  expect(() => loadApiKeys(file('bad.json', '{"keys":[{"clientId":"a b","sha256":"plain-text-key"}]}'))).toThrow(/clientId.*sha256|sha256/s);
  expect(() => loadApiKeys(file('notjson.json', 'keys:'))).toThrow(/cannot read/);
});

test('the JWT settings reach the edge as one map, the tolerance in whole seconds; a short or unmappable secret stops the start', () => {
  const secret = 'k'.repeat(40);
  const settings = readJwtSettings({ secretFile: file('jwt', `${secret}\n`), issuer: 'https://auth.test', audience: 'platform', clockToleranceMs: 4_500 });
  expect(jwtMap(settings)).toEqual([
    ['secret', secret],
    ['issuer', 'https://auth.test'],
    ['audience', 'platform'],
    ['tolerance', '5'],
  ]);
  expect(jwtMap(undefined)).toEqual([]);
  const read = (content: string) => () => readJwtSettings({ secretFile: file('jwt2', content), issuer: 'i', audience: 'a', clockToleranceMs: 0 });
  expect(read('short')).toThrow(/at least 32 bytes/);
  expect(read(`${'k'.repeat(40)};show map`)).toThrow(/printable ASCII/);
  expect(read(`${'k'.repeat(40)} x`)).toThrow(/printable ASCII/);
  expect(() => readJwtSettings({ secretFile: join(dir, 'missing'), issuer: 'i', audience: 'a', clockToleranceMs: 0 })).toThrow(/cannot read GATEWAY_JWT_SECRET_FILE/);
});

test('what may travel in a map: no space, ";" or backslash, which the map file or the Runtime API would split on', () => {
  expect(['/users', 'users:required', 'a'.repeat(64), '@default', 'https://x.test/a?b=c'].every((v) => MAP_SAFE.test(v))).toBe(true);
  expect(['', 'a b', 'a;b', 'a\\b', 'a\nb', 'é'].some((v) => MAP_SAFE.test(v))).toBe(false);
});
