import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { READER_TOKEN } from '@platform/consul';
import { freePort, writeSecretFile } from '@platform/process-runner';
import { writeState } from '@platform/cli/dist/supervisor/state';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { callWithToken } from '../harness/consul-queries';
import { platformCli, platformTestEnv } from '../harness/platform-cli';
import { startFixture, type ServiceProcess } from '../harness/service-process';

/**
 * The CLI's read commands hold the `reader` token alone (acl-rules.ts), minted against a real
 * Consul with ACLs on: it reads the catalog, health, the feature flags and the raft peers, and can
 * change nothing. The management token is used here only to mint it and to set up what is read.
 */
let consul: TestConsul;
let alpha: ServiceProcess;

const call = (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<Response> => callWithToken(consul.httpAddr, path, token, init);

const statusOf = async (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ path: string; status: number }> => ({ path, status: (await call(path, token, init)).status });

beforeAll(async () => {
  consul = await startTestConsul();
  alpha = await startFixture(consul.httpAddr, 'alpha', 'a');
  expect((await call('/v1/kv/platform/flags/dark-mode', consul.managementToken, { method: 'PUT', body: { type: 'boolean', on: true } })).status).toBe(200);
  // A Patroni member as the role checks register it (nothing answers on its port): `db status` finds it only by reading the catalog.
  const member = { ID: 'patroni-pg-1', Name: 'patroni', Address: '127.0.0.1', Port: await freePort(), Meta: { member: 'pg-1' } };
  expect((await call('/v1/agent/service/register', consul.managementToken, { method: 'PUT', body: member })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await alpha?.child.stop(5_000);
  await consul?.stop();
});

test('the reader token reads the catalog, health, nodes, the feature flags and the raft peers, and is refused (403) on every write and every ACL read', async () => {
  const token = readFileSync(await consul.tokenFile(READER_TOKEN), 'utf8').trim();
  expect(Object.keys((await (await call('/v1/catalog/services', token)).json()) as Record<string, string[]>)).toEqual(expect.arrayContaining(['alpha', 'patroni']));
  const health = (await (await call('/v1/health/service/alpha', token)).json()) as { Service: { ID: string }; Checks: { Status: string }[] }[];
  expect(health.map((e) => e.Service.ID)).toEqual(['alpha-a']);
  expect(((await (await call('/v1/catalog/nodes', token)).json()) as { Node: string }[]).map((n) => n.Node)).toEqual(['test-node']);
  expect(((await (await call('/v1/kv/platform/flags/?recurse=true', token)).json()) as { Key: string }[]).map((e) => e.Key)).toEqual(['platform/flags/dark-mode']);
  expect((await call('/v1/operator/raft/configuration', token)).status).toBe(200);

  const refused = [
    ...['platform/flags/dark-mode', 'platform/rollouts/alpha', 'platform/drain/alpha/alpha-a/lb-x', 'patroni/leader'].map((key) => statusOf(`/v1/kv/${key}`, token, { method: 'PUT', body: '{}' })),
    statusOf('/v1/kv/platform/flags/dark-mode', token, { method: 'DELETE' }),
    // It reads only the prefixes the commands read.
    statusOf('/v1/kv/platform/rollouts/alpha', token),
    statusOf('/v1/agent/service/register', token, { method: 'PUT', body: { Name: 'alpha', ID: 'alpha-forged', Address: '127.0.0.1', Port: 9 } }),
    statusOf('/v1/agent/service/deregister/alpha-a', token, { method: 'PUT' }),
    statusOf('/v1/agent/service/maintenance/alpha-a?enable=true', token, { method: 'PUT' }),
    statusOf('/v1/session/create', token, { method: 'PUT', body: {} }),
    statusOf('/v1/acl/tokens', token),
    statusOf('/v1/acl/policies', token),
    statusOf('/v1/acl/policy/name/platform-reader', token),
    statusOf('/v1/acl/token', token, { method: 'PUT', body: { Description: 'escalate', Policies: [{ Name: 'global-management' }] } }),
  ];
  for (const answer of await Promise.all(refused)) expect(answer).toEqual({ path: answer.path, status: 403 });
  // Nothing changed: the flag is as it was, the fixture still registered and not in maintenance.
  expect(JSON.parse(await (await call('/v1/kv/platform/flags/dark-mode?raw', consul.managementToken)).text())).toEqual({ type: 'boolean', on: true });
  const checks = (await (await call('/v1/health/service/alpha', consul.managementToken)).json()) as { Checks: { Status: string }[] }[];
  expect(checks.flatMap((e) => e.Checks.map((c) => c.Status))).toEqual(['passing', 'passing']);
});

test('platform up on a platform started before the reader token existed mints it; status, flags and db status then read with it alone', async () => {
  const { env, stateDir } = await platformTestEnv({ CONSUL_HTTP_PORT: String(consul.ports.http) });
  const secrets = join(stateDir, 'consul', 'secrets');
  const managementFile = join(secrets, 'management.token');
  const readerFile = join(secrets, 'tokens', READER_TOKEN);
  mkdirSync(join(secrets, 'tokens'), { recursive: true, mode: 0o700 });
  writeSecretFile(managementFile, consul.managementToken);
  // A running platform as its supervisor records it (this process stands in for the supervisor), from before the reader token.
  writeState(join(stateDir, 'state.json'), {
    pid: process.pid,
    phase: 'running',
    startedAt: new Date().toISOString(),
    components: [],
    env: { CONSUL_HTTP_ADDR: consul.httpAddr },
    instances: [{ service: 'alpha', id: 'alpha-a', slot: 1, pid: alpha.child.pid ?? null, state: 'running', restarts: 0 }],
  });
  const refused = platformCli(env, 'status');
  expect(refused.code).toBe(1);
  expect(refused.out).toContain('PLATFORM_CONSUL_TOKEN_MISSING');
  expect(refused.out).toContain(readerFile);

  const up = platformCli(env, 'up', '--skip-install');
  expect(up.out).toContain('the platform is already running');
  expect(up.out).toMatch(/alpha\s+alpha-a\s+127\.0\.0\.1:\d+\s+passing/);
  expect(up.code).toBe(0);
  expect((statSync(readerFile).mode & 0o777).toString(8)).toBe('600');

  // From here the management token answers nothing: a command that took it would see an empty Consul or fail.
  writeSecretFile(managementFile, randomUUID());
  const status = JSON.parse(platformCli(env, 'status', '--json').out) as { instances: { id: string; health: string }[]; consulServers: { servers: { leader: boolean }[]; error: string | null } };
  expect(status.instances).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'alpha-a', health: 'passing' })]));
  expect(status.consulServers).toEqual({ servers: [expect.objectContaining({ leader: true })], error: null });
  expect(platformCli(env, 'flags', 'get', 'dark-mode')).toEqual({ code: 0, out: 'dark-mode: on\n' });
  expect(JSON.parse(platformCli(env, 'flags', 'list', '--json').out)).toEqual({ flags: [{ name: 'dark-mode', value: { type: 'boolean', on: true }, shown: 'on', problem: null }] });
  // The member is found in the catalog; that nothing answers on its port is the next step's failure.
  const db = platformCli(env, 'db', 'status');
  expect(db.out).toContain('no Patroni member answers');

  rmSync(readerFile);
  expect(platformCli(env, 'flags', 'list')).toMatchObject({ code: 1, out: expect.stringContaining(readerFile) });
  expect(platformCli(env, 'db', 'status')).toMatchObject({ code: 1, out: expect.stringContaining(readerFile) });
  rmSync(stateDir, { recursive: true, force: true });
});
