import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../harness/service-process';

/**
 * packer/files/platform-first-boot run for real by bash, against a scratch root (FIRST_BOOT_ROOT)
 * with stand-ins for the two commands a test machine cannot run: `aws` answers each SSM read with
 * "value-of-<parameter>" and logs the name, `systemctl` logs what it was asked.
 */
const script = join(repoRoot, 'packer/files/platform-first-boot');
let dir: string;
let root: string;
let secrets: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'first-boot-'));
  root = join(dir, 'root');
  secrets = join(root, 'etc/platform/secrets');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const log = join(dir, 'calls');
  writeFileSync(join(dir, 'bin/aws'), `#!/bin/bash\nwhile [ $# -gt 0 ]; do [ "$1" = --name ] && name="$2"; shift; done\necho "ssm $name" >>${log}\necho "value-of-$name"\n`);
  writeFileSync(join(dir, 'bin/systemctl'), `#!/bin/bash\necho "systemctl $*" >>${log}\n`);
  chmodSync(join(dir, 'bin/aws'), 0o755);
  chmodSync(join(dir, 'bin/systemctl'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs first boot with a node environment file of these variables (terraform's user data writes it so). */
function firstBoot(env: Record<string, string>): { status: number | null; stderr: string; calls: string[] } {
  const consul = { CONSUL_ENCRYPT_KEY_FILE: `${secrets}/consul/gossip-key`, CONSUL_CA_FILE: `${secrets}/consul/ca-cert.pem`, CONSUL_TOKENS_DIR: `${secrets}/consul/tokens`, CONSUL_AGENT_TOKEN_FILE: `${secrets}/consul/tokens/agent` };
  const envFile = join(dir, 'node.env');
  writeFileSync(envFile, Object.entries({ ...consul, ...env }).map(([k, v]) => `${k}="${v}"\n`).join(''));
  const run = spawnSync('bash', [script, envFile, '/plat', 'eu-west-1'], { encoding: 'utf8', env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, FIRST_BOOT_ROOT: root } });
  const calls = existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  return { status: run.status, stderr: run.stderr, calls };
}
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

test("a service node gets its role's secrets and a token per service, each in a 0600 file, then starts", () => {
  const result = firstBoot({
    PLATFORM_ROLE: 'service',
    PLATFORM_SERVICES: 'users=2, orders=1',
    DB_PASSWORD_FILE: `${secrets}/db-app.password`,
    DB_TLS_CA_FILE: `${secrets}/postgres-cert.pem`,
  });
  expect(result.status).toBe(0);
  expect(result.calls.filter((c) => c.startsWith('ssm ')).sort()).toEqual(
    ['consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'postgres/app', 'postgres/tls-cert', 'consul/tokens/lb-controller', 'consul/tokens/service-users', 'consul/tokens/service-orders'].map((n) => `ssm /plat/${n}`).sort(),
  );
  expect(result.calls.at(-1)).toBe('systemctl start platform-node.service');
  expect(readFileSync(`${secrets}/consul/tokens/service-users`, 'utf8').trim()).toBe('value-of-/plat/consul/tokens/service-users');
  for (const file of ['consul/gossip-key', 'consul/tokens/service-orders', 'consul/tokens/reader', 'db-app.password']) expect({ file, mode: mode(join(secrets, file)) }).toEqual({ file, mode: '600' });
  expect(mode(join(secrets, 'consul/tokens'))).toBe('700');
  expect(mode(join(root, 'etc/platform/node.env'))).toBe('600');
});

test("an edge node gets its TLS pair and the gateway's keys, JWT secret and settings and Consul token beside the edge's, each in a 0600 file", () => {
  const result = firstBoot({
    PLATFORM_ROLE: 'edge',
    EDGE_TLS_CERT_FILE: `${secrets}/edge-tls.crt`,
    EDGE_TLS_KEY_FILE: `${secrets}/edge-tls.key`,
    GATEWAY_API_KEYS_FILE: `${secrets}/gateway-api-keys.json`,
    GATEWAY_JWT_SECRET_FILE: `${secrets}/gateway-jwt-secret`,
    GATEWAY_JWT_SETTINGS_FILE: `${secrets}/gateway-jwt-settings.json`,
  });
  expect(result.status).toBe(0);
  expect(result.calls.filter((c) => c.startsWith('ssm ')).sort()).toEqual(
    ['consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'edge/tls-cert', 'edge/tls-key', 'consul/tokens/lb-controller', 'gateway/api-keys', 'gateway/jwt-secret', 'gateway/jwt-settings', 'consul/tokens/gateway'].map((n) => `ssm /plat/${n}`).sort(),
  );
  for (const file of ['edge-tls.key', 'gateway-api-keys.json', 'gateway-jwt-secret', 'gateway-jwt-settings.json', 'consul/tokens/gateway']) expect({ file, mode: mode(join(secrets, file)) }).toEqual({ file, mode: '600' });
  expect(result.calls.at(-1)).toBe('systemctl start platform-node.service');
});

test("a database node's passwords land where @platform/postgres keeps them, and Patroni gets its own Consul token", () => {
  const pgSecrets = join(root, 'var/lib/platform/postgres/secrets');
  const result = firstBoot({ PLATFORM_ROLE: 'database', POSTGRES_TLS_CERT_FILE: `${pgSecrets}/tls-cert.pem`, POSTGRES_TLS_KEY_FILE: `${pgSecrets}/tls-key.pem` });
  expect(result.status).toBe(0);
  expect(readFileSync(join(pgSecrets, 'admin.password'), 'utf8').trim()).toBe('value-of-/plat/postgres/admin');
  expect(mode(join(pgSecrets, 'tls-key.pem'))).toBe('600');
  expect(result.calls).toContain('ssm /plat/consul/tokens/postgres');
  expect(mode(join(secrets, 'consul/tokens/patroni'))).toBe('600');
});

test('a token name that is not a plain name stops first boot before the node starts', () => {
  const result = firstBoot({ PLATFORM_ROLE: 'consul-server', CONSUL_CA_KEY_FILE: `${secrets}/consul/ca-key.pem`, CONSUL_MANAGEMENT_TOKEN_FILE: `${secrets}/consul/management-token`, CONSUL_TOKEN_NAMES: 'agent,../../etc/passwd' });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain("invalid token name '../../etc/passwd'");
  expect(result.calls).not.toContain('systemctl start platform-node.service');
  expect(existsSync(join(root, 'etc/platform/node.env'))).toBe(false);
});

/** Stand-ins for the disk commands: blkid finds a filesystem once mkfs.ext4 made one (a marker file). */
function diskStandIns(): void {
  const log = join(dir, 'calls');
  const stand = (name: string, body: string): void => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/bash\necho "${name} $*" >>${log}\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  stand('blkid', 'dev="${@: -1}"; [ -e "$dev.fs" ] || exit 2; if [ "$1" = -s ]; then echo uuid-of-data; fi');
  stand('mkfs.ext4', 'touch "${@: -1}.fs"');
  stand('mountpoint', 'exit 1');
  stand('mount', '');
  stand('sysctl', '');
}

const VOLUME = 'vol-0abc1234def567890';
const member = (role: string): Record<string, string> => ({ PLATFORM_ROLE: role, PLATFORM_DATA_DIR: '/var/lib/platform/data', PLATFORM_DATA_VOLUME: VOLUME });
const attachVolume = (fs = false): void => {
  const device = join(root, 'dev/disk/by-id', `nvme-Amazon_Elastic_Block_Store_${VOLUME.replace('-', '')}`);
  mkdirSync(join(root, 'dev/disk/by-id'), { recursive: true });
  writeFileSync(device, '');
  if (fs) writeFileSync(`${device}.fs`, '');
};

test("a kafka node reads no secret of its own (the read-only token alone beside the agent's); its new data volume is formatted, mounted at PLATFORM_DATA_DIR and in fstab, then the node starts", () => {
  diskStandIns();
  attachVolume();
  const result = firstBoot(member('kafka'));
  expect(result.status).toBe(0);
  expect(result.calls.filter((c) => c.startsWith('ssm ')).sort()).toEqual(['ssm /plat/consul/ca-cert', 'ssm /plat/consul/gossip-key', 'ssm /plat/consul/tokens/agent', 'ssm /plat/consul/tokens/reader']);
  expect(result.calls.filter((c) => c.startsWith('mkfs.ext4'))).toHaveLength(1);
  expect(result.calls).toContain(`mount ${root}/var/lib/platform/data`);
  expect(readFileSync(join(root, 'etc/fstab'), 'utf8')).toBe('UUID=uuid-of-data /var/lib/platform/data ext4 defaults,nofail 0 2\n');
  expect(mode(join(root, 'var/lib/platform/data'))).toBe('700');
  expect(result.calls.at(-1)).toBe('systemctl start platform-node.service');
});

test("a logstore node keeps the data an earlier machine left on its volume (no mkfs) and raises vm.max_map_count for OpenSearch", () => {
  diskStandIns();
  attachVolume(true);
  const result = firstBoot(member('logstore'));
  expect(result.status).toBe(0);
  expect(result.calls.some((c) => c.startsWith('mkfs.ext4'))).toBe(false);
  expect(readFileSync(join(root, 'etc/sysctl.d/90-platform-logstore.conf'), 'utf8')).toBe('vm.max_map_count=262144\n');
  expect(result.calls).toContain(`sysctl -q -p ${root}/etc/sysctl.d/90-platform-logstore.conf`);
  expect(result.calls.at(-1)).toBe('systemctl start platform-node.service');
});

test('a data volume that never appears, or a malformed volume id, stops first boot before the node starts', () => {
  diskStandIns();
  const missing = firstBoot({ ...member('kafka'), DATA_VOLUME_WAIT_S: '1' });
  expect(missing.status).not.toBe(0);
  expect(missing.stderr).toContain(`data volume ${VOLUME} is not attached`);
  const malformed = firstBoot({ ...member('kafka'), PLATFORM_DATA_VOLUME: 'vol-x; rm -rf /' });
  expect(malformed.stderr).toContain("invalid PLATFORM_DATA_VOLUME 'vol-x; rm -rf /'");
  expect([...missing.calls, ...malformed.calls]).not.toContain('systemctl start platform-node.service');
});
