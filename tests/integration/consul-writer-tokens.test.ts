import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_METRICS_SERVICE, DEPLOYER_TOKEN, FLAGS_WRITER_TOKEN, parseRolloutRecord, rolloutKey } from '@platform/consul';
import { writeSecretFile } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { callWithToken } from '../harness/consul-queries';
import { platformCli, platformTestEnv } from '../harness/platform-cli';
import { startFixture, type ServiceProcess } from '../harness/service-process';

/**
 * The operators' writers, each with its own token minted by the platform's rules (acl-rules.ts)
 * against a real Consul with ACLs on: `flags-writer` writes `platform/flags/` and nothing else,
 * `deployer` writes the rollout records and registers its metrics endpoint, nothing else. The
 * management token is used here only to mint them and to look at what Consul holds.
 */
let consul: TestConsul;
let alpha: ServiceProcess;

const call = (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<Response> => callWithToken(consul.httpAddr, path, token, init);

const tokenOf = async (name: string): Promise<string> => readFileSync(await consul.tokenFile(name), 'utf8').trim();
const kvPut = async (key: string, token: string): Promise<number> => (await call(`/v1/kv/${key}`, token, { method: 'PUT', body: '{"type":"boolean","on":true}' })).status;

beforeAll(async () => {
  consul = await startTestConsul();
  alpha = await startFixture(consul.httpAddr, 'alpha', 'a');
}, 60_000);

afterAll(async () => {
  await alpha?.child.stop(5_000);
  await consul?.stop();
});

test('the flags-writer token writes and reads feature flags, and is refused (403) everywhere else', async () => {
  const token = await tokenOf(FLAGS_WRITER_TOKEN);
  expect(await kvPut('platform/flags/new-checkout', token)).toBe(200);
  expect((await call('/v1/kv/platform/flags/new-checkout', token)).status).toBe(200);
  for (const key of ['platform/rollouts/alpha', 'platform/drain/alpha/alpha-a/lb-x', 'platform/routes/allow', 'patroni/leader', 'platform/flagsx']) {
    expect({ key, status: await kvPut(key, token) }).toEqual({ key, status: 403 });
  }
  expect((await call('/v1/agent/service/register', token, { method: 'PUT', body: { Name: 'alpha', ID: 'alpha-forged', Address: '127.0.0.1', Port: 9 } })).status).toBe(403);
  expect((await call('/v1/agent/service/deregister/alpha-a', token, { method: 'PUT' })).status).toBe(403);
  expect((await call('/v1/acl/token', token, { method: 'PUT', body: { Description: 'escalate', Policies: [{ Name: 'global-management' }] } })).status).toBe(403);
  // It reads no catalog: Consul filters what a token may not see.
  expect(await (await call('/v1/catalog/services', token)).json()).toEqual({});
});

test('the deployer token writes, reads and deletes rollout records, reads the catalog and registers its metrics endpoint, and is refused (403) everywhere else', async () => {
  const token = await tokenOf(DEPLOYER_TOKEN);
  // What the supervisor's deploys do with it (cli/src/deploys/rollout-kv.ts, deploy-metrics.ts, fleet.ts).
  const record = { service: 'alpha', candidate: '0.2.0-5be1b8a1e3d2', weight: 20, strategy: 'canary', updatedAt: new Date().toISOString() };
  expect((await call(`/v1/kv/${rolloutKey('alpha')}`, token, { method: 'PUT', body: record })).status).toBe(200);
  expect(parseRolloutRecord(await (await call(`/v1/kv/${rolloutKey('alpha')}?raw`, token)).text())).toEqual(record);
  expect((await call(`/v1/kv/${rolloutKey('alpha')}`, token, { method: 'DELETE' })).status).toBe(200);
  expect((await call(`/v1/kv/${rolloutKey('alpha')}?raw`, token)).status).toBe(404);
  const health = (await (await call('/v1/health/service/alpha', token)).json()) as { Service: { ID: string }; Checks: { Status: string }[] }[];
  expect(health.map((e) => e.Service.ID)).toEqual(['alpha-a']);
  const metrics = { ID: `${DEPLOY_METRICS_SERVICE}-test-node`, Name: DEPLOY_METRICS_SERVICE, Address: '127.0.0.1', Port: 9 };
  expect((await call('/v1/agent/service/register', token, { method: 'PUT', body: metrics })).status).toBe(200);
  expect((await call(`/v1/agent/service/deregister/${metrics.ID}`, token, { method: 'PUT' })).status).toBe(200);
  for (const key of ['platform/flags/new-checkout', 'platform/drain/alpha/alpha-a/lb-x', 'platform/routes/allow', 'platform/rolloutsx']) {
    expect({ key, status: await kvPut(key, token) }).toEqual({ key, status: 403 });
  }
  expect((await call('/v1/agent/service/register', token, { method: 'PUT', body: { Name: 'alpha', ID: 'alpha-forged', Address: '127.0.0.1', Port: 9 } })).status).toBe(403);
  expect((await call('/v1/agent/service/deregister/alpha-a', token, { method: 'PUT' })).status).toBe(403);
  expect((await call('/v1/agent/service/maintenance/alpha-a?enable=true', token, { method: 'PUT' })).status).toBe(403);
  // A token of this rule set that may not read a rollout record cannot delete one either.
  const alphaToken = await tokenOf('service-alpha');
  expect((await call('/v1/kv/platform/rollouts/alpha', alphaToken, { method: 'DELETE' })).status).toBe(403);
});

test('platform flags set writes with the flags-writer token alone, and without that file is refused naming it, writing nothing', async () => {
  const { env, stateDir } = await platformTestEnv({ CONSUL_HTTP_PORT: String(consul.ports.http) });
  const tokensDir = join(stateDir, 'consul', 'secrets', 'tokens');
  mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
  // The management token is on this machine too: the command must not take it.
  writeSecretFile(join(stateDir, 'consul', 'secrets', 'management.token'), consul.managementToken);
  const refused = platformCli(env, 'flags', 'set', 'dark-mode', 'on');
  expect(refused.code).toBe(1);
  expect(refused.out).toContain('PLATFORM_CONSUL_TOKEN_MISSING');
  expect(refused.out).toContain(join(tokensDir, FLAGS_WRITER_TOKEN));
  expect((await call('/v1/kv/platform/flags/dark-mode', consul.managementToken)).status).toBe(404);

  copyFileSync(await consul.tokenFile(FLAGS_WRITER_TOKEN), join(tokensDir, FLAGS_WRITER_TOKEN));
  const set = platformCli(env, 'flags', 'set', 'dark-mode', '30%');
  expect(set).toMatchObject({ code: 0, out: expect.stringContaining('dark-mode: 30% (was not set)') });
  const stored = (await (await call('/v1/kv/platform/flags/dark-mode?raw', consul.managementToken)).json()) as unknown;
  expect(stored).toEqual({ type: 'percentage', percent: 30 });
});
