import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '@platform/service-kit';
import { hashApiKey, loadApiKeys, newApiKey } from '@platform/gateway/dist/auth/api-keys';
import { apiKeysMap, jwtMap, limitsMap, MAP_SAFE, writeMapFile } from '@platform/gateway/dist/edge/edge-maps';
import { readJwtSettings } from '@platform/gateway/dist/edge/jwt-settings';
import { checkGatewayConfig, jwtSource, type GatewayConfig } from '@platform/gateway/dist/config';

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
  const settingsFile = file('jwt-settings.json', JSON.stringify({ issuer: 'https://auth.test', audience: 'platform', clockToleranceMs: 4_500 }));
  const settings = readJwtSettings({ secretFile: file('jwt', `${secret}\n`), settingsFile });
  expect(jwtMap(settings)).toEqual([
    ['secret', secret],
    ['issuer', 'https://auth.test'],
    ['audience', 'platform'],
    ['tolerance', '5'],
  ]);
  expect(jwtMap(undefined)).toEqual([]);
  const read = (content: string) => () => readJwtSettings({ secretFile: file('jwt2', content), settingsFile });
  expect(read('short')).toThrow(/at least 32 bytes/);
  expect(read(`${'k'.repeat(40)};show map`)).toThrow(/printable ASCII/);
  expect(read(`${'k'.repeat(40)} x`)).toThrow(/printable ASCII/);
  expect(() => readJwtSettings({ secretFile: join(dir, 'missing'), settingsFile })).toThrow(/cannot read GATEWAY_JWT_SECRET_FILE/);
});

test('issuer, audience and tolerance come from the settings file when there is one; a bad one is refused naming the field, never the secret', () => {
  const secret = 's'.repeat(40);
  const secretFile = file('jwt3', secret);
  const settingsFile = file('jwt.json', JSON.stringify({ issuer: 'https://auth.test', audience: 'platform' }));
  expect(readJwtSettings({ secretFile, settingsFile })).toEqual({ secret, issuer: 'https://auth.test', audience: 'platform', clockToleranceMs: 5_000 });
  const refused = (content: string): string => {
    try {
      readJwtSettings({ secretFile, settingsFile: file('bad.json', content) });
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  expect(refused(JSON.stringify({ issuer: 'a b', audience: 'x' }))).toMatch(/issuer: issuer must be printable ASCII/);
  expect(refused(JSON.stringify({ issuer: 'i', audience: 'x', clockToleranceMs: -1 }))).toMatch(/clockToleranceMs/);
  expect(refused(JSON.stringify({ issuer: 'i', audience: 'x', secret: 'no' }))).toMatch(/Unrecognized key/);
  expect(refused('{')).toMatch(/cannot read GATEWAY_JWT_SETTINGS_FILE/);
  for (const content of ['{', JSON.stringify({ issuer: 'a b', audience: 'x' })]) expect(refused(content)).not.toContain(secret);
});

test('what may travel in a map: no space, ";" or backslash, which the map file or the Runtime API would split on', () => {
  expect(['/users', 'users:required', 'a'.repeat(64), '@default', 'https://x.test/a?b=c'].every((v) => MAP_SAFE.test(v))).toBe(true);
  expect(['', 'a b', 'a;b', 'a\\b', 'a\nb', 'é'].some((v) => MAP_SAFE.test(v))).toBe(false);
});

test('the JWT claims come from one place, the settings file, which the secret file needs and needs; the old fixed variables are refused', () => {
  const problems = (extra: Partial<GatewayConfig>): string[] => {
    try {
      checkGatewayConfig({ GATEWAY_EDGE_SOCKETS: [], ...extra } as GatewayConfig);
      return [];
    } catch (err) {
      return (err as Error & { problems?: string[] }).problems ?? [(err as Error).message];
    }
  };
  expect(problems({ GATEWAY_JWT_SECRET_FILE: '/s', GATEWAY_JWT_SETTINGS_FILE: '/j' })).toEqual([]);
  expect(problems({ GATEWAY_JWT_SECRET_FILE: '/s', GATEWAY_JWT_SETTINGS_FILE: '/j', GATEWAY_JWT_ISSUER: 'i' })).toEqual([expect.stringMatching(/^GATEWAY_JWT_ISSUER: no longer applies: put the JWT issuer/)]);
  expect(problems({ GATEWAY_JWT_SETTINGS_FILE: '/j' })).toEqual([expect.stringMatching(/^GATEWAY_JWT_SECRET_FILE: is required/)]);
  expect(problems({ GATEWAY_JWT_SECRET_FILE: '/s' })).toEqual([expect.stringMatching(/^GATEWAY_JWT_SETTINGS_FILE: is required/)]);
  expect(jwtSource({ GATEWAY_JWT_SECRET_FILE: '/s', GATEWAY_JWT_SETTINGS_FILE: '/j' } as GatewayConfig)).toEqual({ secretFile: '/s', settingsFile: '/j' });
  expect(jwtSource({ GATEWAY_EDGE_SOCKETS: [] } as unknown as GatewayConfig)).toBeUndefined();
});
