import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, platformBin, startChild, waitFor, type ChildHandle } from '@platform/process-runner';
import { ConsulAcl } from '@platform/consul';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTcpGate } from '../harness/tcp-gate';
import { consulFetch, healthOf } from '../harness/consul-queries';
import { startFixture, type ServiceProcess } from '../harness/service-process';

/**
 * Consul as the platform runs it (ACLs default-deny, gossip key, verified TLS for RPC), tried as
 * an attacker on the node would: with no token, with another service's token, and as an agent
 * without the cluster's key or certificate.
 */
let consul: TestConsul;
let alpha: ServiceProcess;
const rogues: ChildHandle[] = [];

/** A call to the agent's HTTP API with the given token, or with none. */
const call = (path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<Response> =>
  fetch(`http://${consul.httpAddr}${path}`, {
    method: init.method ?? 'GET',
    headers: init.token ? { 'X-Consul-Token': init.token } : {},
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

const tokenOf = async (name: string): Promise<string> => readFileSync(await consul.tokenFile(name), 'utf8').trim();
const registration = (name: string, id: string) => ({ Name: name, ID: id, Address: '127.0.0.1', Port: 9 });

beforeAll(async () => {
  consul = await startTestConsul();
  alpha = await startFixture(consul.httpAddr, 'alpha', 'a');
});

afterAll(async () => {
  await Promise.all(rogues.map((r) => r.stop(2_000)));
  await alpha?.child.stop(5_000);
  await consul?.stop();
});

test('without a token, registering, writing drain keys, deregistering and reading KV are all refused (403), and the catalog reads empty', async () => {
  expect((await call('/v1/agent/service/register', { method: 'PUT', body: registration('alpha', 'alpha-forged') })).status).toBe(403);
  expect((await call('/v1/kv/platform/drain/alpha/alpha-a/lb-x', { method: 'PUT', body: 'forged' })).status).toBe(403);
  expect((await call('/v1/agent/service/deregister/alpha-a', { method: 'PUT' })).status).toBe(403);
  expect((await call('/v1/agent/service/maintenance/alpha-a?enable=true', { method: 'PUT' })).status).toBe(403);
  expect((await consulFetch(consul.httpAddr, '/v1/kv/platform/secret-probe', { method: 'PUT', body: 'x' })).status).toBe(200);
  expect((await call('/v1/kv/platform/secret-probe')).status).toBe(403);
  // The anonymous token reads nothing: no service names, addresses or meta for a local process to learn.
  expect(await (await call('/v1/catalog/services')).json()).toEqual({});
  expect((await healthOf(consul.httpAddr, 'alpha', true)).map((e) => e.Service.ID)).toEqual(['alpha-a']);
});

test("a service's token registers only its own name, writes only its own drain keys and cannot deregister others", async () => {
  const beta = await tokenOf('service-beta');
  expect((await call('/v1/agent/service/register', { method: 'PUT', token: beta, body: registration('alpha', 'alpha-forged') })).status).toBe(403);
  expect((await call('/v1/agent/service/register', { method: 'PUT', token: beta, body: registration('gateway', 'gateway-forged') })).status).toBe(403);
  expect((await call('/v1/agent/service/deregister/alpha-a', { method: 'PUT', token: beta })).status).toBe(403);
  expect((await call('/v1/agent/service/maintenance/alpha-a?enable=true', { method: 'PUT', token: beta })).status).toBe(403);
  expect((await call('/v1/kv/platform/drain/alpha/alpha-a/lb-x', { method: 'PUT', token: beta, body: 'forged' })).status).toBe(403);
  expect((await call('/v1/kv/platform/routes/allow', { method: 'PUT', token: beta, body: 'x' })).status).toBe(403);
  expect((await call('/v1/kv/platform/rollouts/beta', { method: 'PUT', token: beta, body: '{}' })).status).toBe(403);
  // What it may do: itself.
  expect((await call('/v1/agent/service/register', { method: 'PUT', token: beta, body: registration('beta', 'beta-1') })).status).toBe(200);
  expect((await call('/v1/kv/platform/drain/beta/beta-1/lb-x', { method: 'PUT', token: beta, body: 'ok' })).status).toBe(200);
  expect((await call('/v1/agent/service/deregister/beta-1', { method: 'PUT', token: beta })).status).toBe(200);
  expect((await healthOf(consul.httpAddr, 'alpha', true)).map((e) => e.Service.ID)).toEqual(['alpha-a']);
});

test('the lb-controller token writes any drain key, reads the rollout records and the catalog, but registers no service but its own', async () => {
  const lb = await tokenOf('lb-controller');
  expect((await call('/v1/kv/platform/drain/alpha/alpha-a/lb-x', { method: 'PUT', token: lb, body: 'drained' })).status).toBe(200);
  expect((await consulFetch(consul.httpAddr, '/v1/kv/platform/rollouts/alpha', { method: 'PUT', body: '{}' })).status).toBe(200);
  expect((await call('/v1/kv/platform/rollouts/alpha', { token: lb })).status).toBe(200);
  expect((await call('/v1/kv/platform/rollouts/alpha', { method: 'PUT', token: lb, body: '{}' })).status).toBe(403);
  expect((await call('/v1/kv/platform/other', { method: 'PUT', token: lb, body: 'x' })).status).toBe(403);
  expect(Object.keys((await (await call('/v1/catalog/services', { token: lb })).json()) as object)).toContain('alpha');
  expect((await call('/v1/agent/service/register', { method: 'PUT', token: lb, body: registration('users', 'users-forged') })).status).toBe(403);
  expect((await call('/v1/agent/service/deregister/alpha-a', { method: 'PUT', token: lb })).status).toBe(403);
});

test('the monitoring token reads the catalog and writes nothing', async () => {
  const monitoring = await tokenOf('monitoring');
  expect(Object.keys((await (await call('/v1/catalog/services', { token: monitoring })).json()) as object)).toContain('alpha');
  expect((await call('/v1/agent/service/register', { method: 'PUT', token: monitoring, body: registration('monitoring', 'm-1') })).status).toBe(403);
  expect((await call('/v1/kv/platform/drain/alpha/alpha-a/m', { method: 'PUT', token: monitoring, body: 'x' })).status).toBe(403);
});

/** A Consul client agent configured by hand, as an attacker's agent on the network would be. */
async function startRogueAgent(name: string, extra: Record<string, unknown>): Promise<{ log: () => string; httpAddr: string }> {
  const dir = join(consul.stateDir, name);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const httpPort = await freePort();
  const config = {
    node_name: name,
    datacenter: 'local',
    data_dir: join(dir, 'data'),
    bind_addr: '127.0.0.1',
    advertise_addr: '127.0.0.1',
    ports: { http: httpPort, https: -1, grpc: -1, grpc_tls: -1, dns: -1, server: consul.ports.server, serf_lan: await freePort(), serf_wan: -1 },
    retry_join: [`127.0.0.1:${consul.ports.serfLan}`],
    retry_interval: '1s',
    server: false,
    ...extra,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  const logFile = join(dir, 'agent.log');
  rogues.push(startChild(platformBin('consul'), ['agent', `-config-file=${join(dir, 'config.json')}`], { outputFile: logFile }));
  return { log: () => readFileSync(logFile, 'utf8'), httpAddr: `127.0.0.1:${httpPort}` };
}

const members = async (): Promise<string[]> => ((await (await consulFetch(consul.httpAddr, '/v1/agent/members')).json()) as { Name: string }[]).map((m) => m.Name);

test('minting a token rides out a Consul that refuses connections for a moment (its servers electing a leader), and the token works', async () => {
  const [host, port] = consul.httpAddr.split(':');
  const gate = await startTcpGate({ host: host ?? '127.0.0.1', port: Number(port) });
  try {
    const acl = new ConsulAcl(gate.addr, consul.managementToken);
    const secret = crypto.randomUUID();
    gate.shut();
    setTimeout(() => gate.open(), 1_500);
    // Three new servers minting at once in CI lost their leader for a moment and all stopped.
    await acl.ensureNamedToken('service-election-check', secret, { datacenter: 'dc1' });
    const registered = await call('/v1/agent/service/register', { method: 'PUT', token: secret, body: registration('election-check', 'election-check-1') });
    expect(registered.status).toBe(200);
    await call('/v1/agent/service/deregister/election-check-1', { method: 'PUT', token: secret });
    // Anything but a passing election still fails at once: a wrong management token is a 403.
    const wrong = new ConsulAcl(consul.httpAddr, crypto.randomUUID());
    await expect(wrong.ensureNamedToken('service-election-check', secret, { datacenter: 'dc1' })).rejects.toMatchObject({ code: 'PLATFORM_CONSUL_ACL_FAILED', retryable: false });
  } finally {
    await gate.close();
  }
});

test('the web UI is served on the agent\'s loopback HTTP address; what it lists comes from the token typed into it (nothing without one, the services with the management token)', async () => {
  expect(consul.httpAddr).toMatch(/^127\.0\.0\.1:\d+$/);
  const page = await call('/ui/');
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Consul by HashiCorp</title>');
  // The endpoint the UI's service list reads.
  expect(await (await call('/v1/internal/ui/services')).json()).toEqual([]);
  const listed = (await (await call('/v1/internal/ui/services', { token: consul.managementToken })).json()) as { Name: string }[];
  expect(listed.map((s) => s.Name)).toContain('alpha');
});

test('an agent without the gossip key cannot join: its gossip is refused and the cluster stays one member', async () => {
  const rogue = await startRogueAgent('rogue-no-key', {});
  await waitFor(() => /couldn't join/.test(rogue.log()), { timeoutMs: 20_000, what: 'the rogue agent to try to join and fail' });
  expect(await members()).toEqual(['test-node']);
});

test('an agent with the gossip key but no certificate from the cluster CA cannot join: TLS refuses it and the cluster stays one member', async () => {
  // Its own CA, so it can neither verify the server nor be verified by it.
  const caDir = join(consul.stateDir, 'rogue-ca');
  mkdirSync(caDir, { recursive: true });
  execFileSync(platformBin('consul'), ['tls', 'ca', 'create'], { cwd: caDir, stdio: 'ignore' });
  const rogue = await startRogueAgent('rogue-no-cert', {
    encrypt: readFileSync(consul.security.gossipKeyFile, 'utf8').trim(),
    tls: { defaults: { ca_file: join(caDir, 'consul-agent-ca.pem'), verify_outgoing: true }, internal_rpc: { verify_server_hostname: true } },
    auto_encrypt: { tls: true },
  });
  await waitFor(() => /AutoEncrypt\.Sign RPC failed.*certificate signed by unknown authority/.test(rogue.log()), { timeoutMs: 20_000, what: 'the rogue agent to be refused by TLS' });
  expect(await members()).toEqual(['test-node']);
  const nodes = (await (await consulFetch(consul.httpAddr, '/v1/catalog/nodes')).json()) as { Node: string }[];
  expect(nodes.map((n) => n.Node)).toEqual(['test-node']);
});

test('an agent holding the gossip key but calling the servers without TLS is refused: every RPC it makes fails', async () => {
  // The gossip key admits it to the membership list; the RPC port, where the catalog, KV and ACLs
  // are, still requires a certificate signed by the cluster's CA.
  const rogue = await startRogueAgent('rogue-plain-rpc', { encrypt: readFileSync(consul.security.gossipKeyFile, 'utf8').trim() });
  const rogueMembers = async (): Promise<string[]> => ((await (await fetch(`http://${rogue.httpAddr}/v1/agent/members`)).json()) as { Name: string }[]).map((m) => m.Name);
  await waitFor(async () => (await rogueMembers().catch((): string[] => [])).includes('test-node'), { timeoutMs: 20_000, what: 'the rogue agent to see the server through gossip' });
  const res = await fetch(`http://${rogue.httpAddr}/v1/catalog/services`, { headers: { 'X-Consul-Token': consul.managementToken } });
  expect(res.status).toBe(500);
  // The server drops the plain connection: seen as a failed call, or as no client at all when it
  // dropped the stream before the call was made (CI, once).
  expect(await res.text()).toMatch(/rpc error (making call|getting client)/);
  expect(Object.keys((await (await consulFetch(consul.httpAddr, '/v1/catalog/services')).json()) as object).sort()).toEqual(['alpha', 'consul']);
});
