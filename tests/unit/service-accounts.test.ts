import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReachable, asUser, findUser, permits, type OsUser } from '@platform/process-runner';
import { loadSettings } from '../../cli/src/settings';
import { handOver, serviceAccountName } from '../../cli/src/supervisor/service-accounts';

const svc: OsUser = { name: 'platform-svc-users', uid: 990, gid: 990 };

test('each service gets its own account under the prefix, and a name over 32 characters ends in a hash of the service', () => {
  expect(serviceAccountName('platform-svc', 'users')).toBe('platform-svc-users');
  const long = serviceAccountName('platform-svc', 'inventory-reservations-eu');
  const other = serviceAccountName('platform-svc', 'inventory-reservations-us');
  expect(long.length).toBeLessThanOrEqual(32);
  expect(long).toMatch(/^platform-svc-inventory-[0-9a-f]{8}$/);
  expect(other).not.toBe(long);
});

test('PLATFORM_SERVICE_USER replaces the prefix, and a value that is no account name is refused naming the variable', () => {
  expect(loadSettings({}).services.userPrefix).toBe('platform-svc');
  expect(loadSettings({ PLATFORM_SERVICE_USER: ' apps ' }).services.userPrefix).toBe('apps');
  expect(() => loadSettings({ PLATFORM_SERVICE_USER: 'root;rm' })).toThrow(/PLATFORM_SERVICE_USER/);
  expect(() => loadSettings({ PLATFORM_SERVICE_USER: 'a-prefix-far-too-long-for-names' })).toThrow(/PLATFORM_SERVICE_USER/);
});

test('an instance is handed copies of its token and the database password; gateway credentials only to the gateway', () => {
  const env = { CONSUL_HTTP_TOKEN_FILE: '/s/tokens/service-users', DB_PASSWORD_FILE: '/s/pg/app.password', GATEWAY_API_KEYS_FILE: '/s/gw/keys.json', CONSUL_MANAGEMENT_TOKEN_FILE: '/etc/mgmt', PATH: '/bin' };
  const users = handOver('users', env, '/s/run/users');
  expect(users.files).toEqual([
    { variable: 'CONSUL_HTTP_TOKEN_FILE', from: '/s/tokens/service-users', to: '/s/run/users/consul-http-token' },
    { variable: 'DB_PASSWORD_FILE', from: '/s/pg/app.password', to: '/s/run/users/db-password' },
  ]);
  expect(users.env).toEqual({ CONSUL_HTTP_TOKEN_FILE: '/s/run/users/consul-http-token', DB_PASSWORD_FILE: '/s/run/users/db-password', CONSUL_MANAGEMENT_TOKEN_FILE: '/etc/mgmt', PATH: '/bin' });
  const gateway = handOver('gateway', env, '/s/run/gateway');
  expect(gateway.files.map((f) => f.variable)).toEqual(['CONSUL_HTTP_TOKEN_FILE', 'DB_PASSWORD_FILE', 'GATEWAY_API_KEYS_FILE']);
  expect(gateway.env.GATEWAY_API_KEYS_FILE).toBe('/s/run/gateway/gateway-api-keys.json');
});

test('mode bits are read for the owner, then the group, then everyone else', () => {
  expect(permits({ uid: 990, gid: 0, mode: 0o600 }, svc, 4)).toBe(true);
  expect(permits({ uid: 0, gid: 990, mode: 0o640 }, svc, 4)).toBe(true);
  expect(permits({ uid: 0, gid: 0, mode: 0o600 }, svc, 4)).toBe(false);
  expect(permits({ uid: 0, gid: 0, mode: 0o711 }, svc, 1)).toBe(true);
  // The owner's bits decide for the owner even when others may read.
  expect(permits({ uid: 990, gid: 0, mode: 0o044 }, svc, 4)).toBe(false);
});

test('a command run as a user execs in place through setpriv with its groups, and unchanged without one', () => {
  expect(asUser(svc, '/bin/postgres', ['-D', '/d'])).toEqual({ command: 'setpriv', args: ['--reuid=990', '--regid=990', '--init-groups', '--', '/bin/postgres', '-D', '/d'] });
  expect(asUser(undefined, '/bin/postgres', ['-D', '/d'])).toEqual({ command: '/bin/postgres', args: ['-D', '/d'] });
});

test('a path the user cannot reach is refused naming the folder or file to fix, and passes once opened', () => {
  const nobody = findUser('nobody');
  expect(nobody).toBeDefined();
  const dir = mkdtempSync(join(tmpdir(), 'reach-'));
  const file = join(dir, 'main.js');
  writeFileSync(file, '', { mode: 0o600 });
  try {
    expect(() => assertReachable(file, nobody, 4)).toThrow(`the nobody user cannot reach ${file}: ${dir} is not searchable by it (chmod o+x ${dir}, or move it)`);
    chmodSync(dir, 0o711);
    expect(() => assertReachable(file, nobody, 4)).toThrow(`the nobody user cannot read ${file} (chmod o+r ${file})`);
    chmodSync(file, 0o644);
    expect(() => assertReachable(file, nobody, 4)).not.toThrow();
    expect(() => assertReachable(file, undefined, 4)).not.toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
