import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, platformBin, startChild, waitFor, type ChildHandle } from '@platform/process-runner';
import { DCS_TIMING } from '@platform/postgres';
import { consulFetch, healthOf, rememberOperatorToken } from '../harness/consul-queries';
import { PROBE_ROWS_SQL, startWriteStream, takerOf, toProbeRows, twoWritersAtOnce, writeProbeDdl, writerRuns } from '../harness/write-stream';
import { repoRoot } from '../harness/service-process';

/**
 * The cloud layout of terraform/, on loopback: every machine is `platform node` with its
 * PLATFORM_ROLE and its own address in 127.0.0.0/8, started as systemd starts it on a cloud node
 * (the environment file terraform writes, passwords placed as the boot script places them).
 * Three Consul servers form a quorum; two database nodes, a Patroni each, elect a leader;
 * users on a service node reaches the primary through its own database HAProxy, found in Consul;
 * a caller enters at the edge node, whose edge HAProxy the gateway's control plane beside it feeds,
 * and reaches users on the service node in one hop.
 */
const cli = join(repoRoot, 'cli/dist/bin.js');
const root = mkdtempSync(join(tmpdir(), 'cloud-nodes-'));
const SERVERS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const DATABASE_NODES = { 'db-1': '127.0.0.21', 'db-2': '127.0.0.22' } as const;
type DatabaseNodeName = keyof typeof DATABASE_NODES;
const SERVICE = '127.0.0.31';
const EDGE = '127.0.0.41';
const MONITORING = '127.0.0.51';
const PROMETHEUS = `http://${MONITORING}:9090`;
const EDGE_PORT = 8080;
const apiKey = randomBytes(24).toString('base64url');
const PG_PORT = 5433;
const PATRONI_PORT = 8009;
const nodes: { name: string; child: ChildHandle; stateDir: string }[] = [];
let svcEnv: Record<string, string>;

const consulApi = `${SERVERS[0]}:8500`;
const passwords = { admin: randomBytes(18).toString('base64url'), app: randomBytes(18).toString('base64url'), replicator: randomBytes(18).toString('base64url'), monitor: randomBytes(18).toString('base64url') };

/**
 * Consul's secrets as terraform keeps them in SSM (gossip-key, ca-cert, ca-key, management-token,
 * tokens/<name>), generated once for the cluster.
 */
const consulSecrets = ((): { gossipKey: string; caCert: string; caKey: string; management: string; tokens: Record<string, string> } => {
  const caDir = join(root, 'ca');
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  execFileSync(platformBin('consul'), ['tls', 'ca', 'create'], { cwd: caDir, stdio: 'ignore' });
  const names = ['agent', 'lb-controller', 'gateway', 'monitoring', 'postgres', 'patroni', 'flags-writer', 'reader', 'service-users', 'service-orders'];
  return {
    gossipKey: randomBytes(32).toString('base64'),
    caCert: readFileSync(join(caDir, 'consul-agent-ca.pem'), 'utf8'),
    caKey: readFileSync(join(caDir, 'consul-agent-ca-key.pem'), 'utf8'),
    management: randomUUID(),
    tokens: Object.fromEntries(names.map((n) => [n, randomUUID()])),
  };
})();

/** The tokens each role's boot script copies from SSM (a consul server reads them all, to create them). */
const TOKENS_OF_ROLE: Record<string, string[]> = {
  'consul-server': Object.keys(consulSecrets.tokens),
  service: ['agent', 'lb-controller', 'service-users', 'reader'],
  edge: ['agent', 'lb-controller', 'gateway', 'reader'],
  database: ['agent', 'postgres', 'patroni', 'reader'],
  monitoring: ['agent', 'monitoring', 'reader'],
};

/** What a node's boot script does with Consul's secrets: 0600 files, named in the node's environment. */
function placeConsulSecrets(name: string, role: string): Record<string, string> {
  const dir = join(root, 'secrets', name);
  const file = (path: string, content: string): string => {
    mkdirSync(join(dir, path, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, path), content, { mode: 0o600 });
    return join(dir, path);
  };
  for (const token of TOKENS_OF_ROLE[role] ?? []) file(`tokens/${token}`, consulSecrets.tokens[token] ?? '');
  const server = role === 'consul-server';
  return {
    CONSUL_ENCRYPT_KEY_FILE: file('gossip-key', consulSecrets.gossipKey),
    CONSUL_CA_FILE: file('ca-cert', consulSecrets.caCert),
    CONSUL_TOKENS_DIR: join(dir, 'tokens'),
    ...(server ? { CONSUL_CA_KEY_FILE: file('ca-key', consulSecrets.caKey), CONSUL_MANAGEMENT_TOKEN_FILE: file('management-token', consulSecrets.management) } : {}),
  };
}

function startNode(name: string, role: string, address: string, env: Record<string, string> = {}): void {
  const stateDir = join(root, name);
  mkdirSync(stateDir, { recursive: true });
  const child = startChild(process.execPath, [cli, 'node'], {
    outputFile: join(root, `${name}.out`),
    env: {
      PATH: process.env.PATH,
      // Where the components are installed, when not in this checkout's .platform (a worktree).
      ...(process.env.PLATFORM_HOME ? { PLATFORM_HOME: process.env.PLATFORM_HOME } : {}),
      PLATFORM_STATE_DIR: stateDir,
      PLATFORM_NODE_NAME: name,
      PLATFORM_ROLE: role,
      PLATFORM_BIND_ADDR: address,
      CONSUL_CLIENT_ADDR: address,
      CONSUL_RETRY_JOIN: SERVERS.join(','),
      CONSUL_BOOTSTRAP_EXPECT: '3',
      CONSUL_DNS_PORT: '-1',
      ...placeConsulSecrets(name, role),
      ...env,
    },
  });
  nodes.push({ name, child, stateDir });
}

/** What the database nodes' boot script does with the passwords terraform keeps in SSM. */
function placeDatabaseSecrets(name: string): void {
  const dir = join(root, name, 'postgres', 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [role, password] of Object.entries(passwords)) writeFileSync(join(dir, `${role}.password`), password, { mode: 0o600 });
}

/** Where to look when a node does not come up (what waitFor names in its timeout message). */
const supervisorLog = (name: string): string => `see ${join(root, name, 'logs', 'supervisor.log')}`;

async function queryOn(host: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ host, port: PG_PORT, user: 'postgres', password: passwords.admin, database: 'platform', connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  rememberOperatorToken(consulApi, consulSecrets.management);
  // As /var/lib/platform on a node: the postgres user may pass through to its data dir.
  chmodSync(root, 0o711);
  SERVERS.forEach((address, i) => startNode(`consul-${i + 1}`, 'consul-server', address));
  // Started at once and alike, as cloud nodes boot: Patroni lets one initialise, the other follows it.
  for (const [name, address] of Object.entries(DATABASE_NODES)) {
    placeDatabaseSecrets(name);
    startNode(name, 'database', address, { POSTGRES_PORT: String(PG_PORT), POSTGRES_PATRONI_PORT: String(PATRONI_PORT), POSTGRES_CLIENT_CIDRS: '127.0.0.0/24' });
  }
  const appPasswordFile = join(root, 'app.password');
  writeFileSync(appPasswordFile, passwords.app, { mode: 0o600 });
  // Only user and database matter: the service node connects through its own database HAProxy.
  const dbUrl = `postgresql://platform_app@127.0.0.1:${PG_PORT}/platform`;
  const keysFile = join(root, 'api-keys.json');
  writeFileSync(keysFile, JSON.stringify({ keys: [{ clientId: 'cloud-test', sha256: createHash('sha256').update(apiKey).digest('hex') }] }), { mode: 0o600 });
  svcEnv = {
    PLATFORM_SERVICES: 'users=1',
    HOST: SERVICE,
    DB_WRITE_URL: dbUrl,
    DB_READ_URL: dbUrl,
    DB_PASSWORD_FILE: appPasswordFile,
    INTERNAL_LB_PORT: String(await freePort()),
    DB_LB_WRITE_PORT: String(await freePort()),
    DB_LB_READ_PORT: String(await freePort()),
    FILEBEAT_HTTP_PORT: String(await freePort()),
    LOG_STORE_URL: `http://127.0.0.1:${await freePort()}`,
  };
  startNode('svc-1', 'service', SERVICE, svcEnv);
  // As terraform's edge environment: the gateway's key file, and its instance registered on the node's address.
  startNode('edge-1', 'edge', EDGE, {
    EDGE_BIND_HOST: EDGE,
    EDGE_PORT: String(EDGE_PORT),
    HOST: EDGE,
    PLATFORM_SERVICES: 'gateway=1',
    GATEWAY_API_KEYS_FILE: keysFile,
    INTERNAL_LB_PORT: String(await freePort()),
    FILEBEAT_HTTP_PORT: String(await freePort()),
    LOG_STORE_URL: svcEnv.LOG_STORE_URL ?? '',
  });
  // As terraform's monitoring environment: Jaeger stores in the log store (none answers here: it keeps trying).
  startNode('mon-1', 'monitoring', MONITORING, { LOG_STORE_URL: svcEnv.LOG_STORE_URL ?? '', JAEGER_QUERY_PORT: String(await freePort()) });
});

afterAll(async () => {
  // Service and database nodes first, the Consul servers last, as an operator drains a cluster.
  const order = [...nodes].sort((a, b) => Number(a.name.startsWith('consul')) - Number(b.name.startsWith('consul')));
  for (const node of order) await node.child.stop(40_000);
});

test('three Consul servers elect a leader and every other node joins as a client', async () => {
  await waitFor(
    async () => {
      const peers = (await (await fetch(`http://${consulApi}/v1/status/peers`)).json()) as string[];
      return peers.length === 3;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'three raft peers' },
  );
  const members = await waitFor(
    async () => {
      const list = (await (await consulFetch(consulApi, '/v1/agent/members')).json()) as { Name: string; Status: number; Tags: { role: string } }[];
      const alive = list.filter((m) => m.Status === 1);
      return alive.length === 8 ? alive : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `eight live members (svc-1: ${supervisorLog('svc-1')})` },
  );
  expect(members.filter((m) => m.Tags.role === 'consul').map((m) => m.Name).sort()).toEqual(['consul-1', 'consul-2', 'consul-3']);
  expect(members.filter((m) => m.Tags.role === 'node').map((m) => m.Name).sort()).toEqual(['db-1', 'db-2', 'edge-1', 'mon-1', 'svc-1']);
});

/** The database nodes as Consul's passing `postgres` instances tag them, once there is one primary and one replica. */
async function databaseRoles(timeoutMs: number): Promise<{ primary: DatabaseNodeName; replica: DatabaseNodeName }> {
  return waitFor(
    async () => {
      const entries = await healthOf(consulApi, 'postgres', true);
      const byRole = new Map(entries.map((e) => [e.Service.Tags.join(''), Object.entries(DATABASE_NODES).find(([, a]) => `${a}:${PG_PORT}` === `${e.Service.Address}:${e.Service.Port}`)?.[0]]));
      const primary = byRole.get('primary') as DatabaseNodeName | undefined;
      const replica = byRole.get('replica') as DatabaseNodeName | undefined;
      return entries.length === 2 && primary && replica ? { primary, replica } : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `a postgres primary and replica passing in Consul (db-1: ${supervisorLog('db-1')})` },
  );
}

/** Waits until `leader`'s Patroni lists `standby` as its synchronous standby, the only member it may fail over to. */
async function waitForSyncStandby(leader: DatabaseNodeName, standby: DatabaseNodeName, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const { members } = (await (await fetch(`http://${DATABASE_NODES[leader]}:${PATRONI_PORT}/cluster`)).json()) as { members: { name: string; role: string; state: string }[] };
      return members.some((m) => m.name === standby && m.role === 'sync_standby' && (m.state === 'streaming' || m.state === 'running'));
    },
    { timeoutMs, intervalMs: 250, what: `${standby} to be ${leader}'s synchronous standby (${supervisorLog(standby)})` },
  );
}

test('the database nodes elect one leader through Consul and register it and a streaming replica, on their own addresses', async () => {
  const { primary, replica } = await databaseRoles(120_000);
  // Patroni names its synchronous standby (in Consul) a moment after the replica streams.
  await waitForSyncStandby(primary, replica, 30_000);
  const streaming = await queryOn(DATABASE_NODES[primary], "SELECT application_name, sync_state, slot.slot_name FROM pg_stat_replication r JOIN pg_replication_slots slot ON slot.active_pid = r.pid WHERE r.state = 'streaming'");
  // Patroni's slot per member, and the replica is the synchronous standby.
  expect(streaming).toEqual([{ application_name: replica, sync_state: 'sync', slot_name: replica.replace('-', '_') }]);
  const members = (await (await fetch(`http://${DATABASE_NODES[primary]}:${PATRONI_PORT}/cluster`)).json()) as { members: { name: string; role: string }[] };
  expect(members.members.map((m) => `${m.name} ${m.role}`).sort()).toEqual([`${primary} leader`, `${replica} sync_standby`].sort());
});

test('users on the service node writes through its own database HAProxy to the primary, and the replica node has the row', async () => {
  const users = await waitFor(
    async () => {
      const [entry] = await healthOf(consulApi, 'users', true);
      return entry ? `${entry.Service.Address}:${entry.Service.Port}` : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `users passing on svc-1 (${supervisorLog('svc-1')})` },
  );
  expect(users.startsWith(`${SERVICE}:`)).toBe(true);
  const created = await fetch(`http://${users}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cloud@example.com', name: 'Cloud' }) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const read = await fetch(`http://${users}/users/${id}`, { headers: { 'x-db-lsn': created.headers.get('x-db-lsn') ?? '' } });
  expect(read.status).toBe(200);
  // It reaches the database through the database HAProxy on its own node, not straight.
  const svc = nodes.find((n) => n.name === 'svc-1');
  const state = JSON.parse(readFileSync(join(svc?.stateDir ?? '', 'state.json'), 'utf8')) as { env: Record<string, string>; instances: { service: string; pid: number | null }[] };
  const pid = state.instances.find((i) => i.service === 'users')?.pid;
  const environ = readFileSync(`/proc/${pid ?? 0}/environ`, 'latin1').split('\0');
  expect(environ).toContain(`DB_WRITE_URL=${state.env.DB_WRITE_URL}`);
  expect(new URL(state.env.DB_WRITE_URL ?? '').host).toBe(`127.0.0.1:${svcEnv.DB_LB_WRITE_PORT}`);
  const { replica } = await databaseRoles(10_000);
  await waitFor(async () => (await queryOn(DATABASE_NODES[replica], `SELECT 1 FROM users.users WHERE id = '${id}'`)).length === 1, { timeoutMs: 10_000, what: 'the row on the replica node' });
});

test('a caller at the edge node reaches users on the service node, authenticated by the maps the gateway beside the edge fills', async () => {
  const call = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`http://${EDGE}:${EDGE_PORT}${path}`, { ...init, headers: { 'x-api-key': apiKey, 'content-type': 'application/json', ...init.headers } });
  await waitFor(async () => (await call('/users?limit=1')).status === 200, { timeoutMs: 60_000, intervalMs: 500, what: `users through edge-1 (${supervisorLog('edge-1')})` });
  const created = await call('/users', { method: 'POST', body: JSON.stringify({ email: 'edge@example.com', name: 'Edge' }) });
  const body = (await created.json()) as { id: string; detail?: string };
  expect({ status: created.status, detail: body.detail }).toEqual({ status: 201, detail: undefined });
  const { id } = body;
  const read = await call(`/users/${id}`, { headers: { 'x-db-lsn': created.headers.get('x-db-lsn') ?? '' } });
  expect(read.status).toBe(200);
  expect(((await read.json()) as { email: string }).email).toBe('edge@example.com');
  expect((await fetch(`http://${EDGE}:${EDGE_PORT}/users/${id}`)).status).toBe(401);
  // /docs: the gateway on the edge node fetches users' document through that node's internal HAProxy.
  const paths = await waitFor(
    async () => {
      const doc = (await (await call('/docs/openapi.json')).json()) as { paths?: Record<string, unknown> };
      const found = Object.keys(doc.paths ?? {});
      return found.some((p) => p.startsWith('/users')) ? found : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 500, what: `users' paths in /docs through edge-1 (${supervisorLog('edge-1')})` },
  );
  expect(paths).toContain('/users/{id}');
});

test('the monitoring node scrapes every instance on every node, found through its Consul client', async () => {
  // mon-1 cluster-health: the exporter beside Prometheus (the Consul servers' health; this layout gives it no Kafka or log store).
  const expected = ['db-1 patroni', 'db-1 postgres', 'db-2 patroni', 'db-2 postgres', 'edge-1 gateway', 'edge-1 lb-controller', 'edge-1 lb-controller', 'mon-1 cluster-health', 'svc-1 lb-controller', 'svc-1 lb-controller', 'svc-1 users'];
  let last: string[] = [];
  const seen = await waitFor(
    async () => {
      const res = await fetch(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent('up{job="platform-services"}')}`);
      const series = ((await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
      last = series.map((s) => `${s.metric.node} ${s.metric.service} ${s.value[1]}`).sort();
      const up = series.filter((s) => s.value[1] === '1').map((s) => `${s.metric.node} ${s.metric.service}`).sort();
      return up.length === expected.length ? up : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1_000, what: `Prometheus on mon-1 to scrape ${expected.length} instances (${supervisorLog('mon-1')})` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen (node service up): ${last.join(', ')}`);
  });
  expect(seen).toEqual(expected);
  const alerts = (await (await fetch(`http://${MONITORING}:9095/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
  expect(alerts.map((a) => a.labels.alertname)).toEqual([]);
});

/** Every process a node started (its environment or command line names its state folder). */
function processesOf(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return (readFileSync(`/proc/${p}/environ`, 'latin1') + readFileSync(`/proc/${p}/cmdline`, 'latin1')).includes(stateDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test("the leader's node cut off from Consul (its agent frozen): the other node leads, the old leader demotes itself, and at no moment do two servers take writes through the service node's write listener", async () => {
  const { primary, replica } = await databaseRoles(10_000);
  const cut = nodes.find((n) => n.name === primary);
  if (!cut) throw new Error(`${primary} was not started`);
  const agent = processesOf(cut.stateDir).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0]?.endsWith('/consul'));
  if (!agent) throw new Error(`no Consul agent found for ${primary}`);
  await queryOn(DATABASE_NODES[primary], writeProbeDdl);
  const stream = startWriteStream({ host: '127.0.0.1', port: Number(svcEnv.DB_LB_WRITE_PORT), user: 'platform_app', password: passwords.app, database: 'platform' });
  const isStandby = async (name: DatabaseNodeName): Promise<boolean> => (await queryOn(DATABASE_NODES[name], 'SELECT pg_is_in_recovery() AS r'))[0]?.r === true;
  let cutAt = 0;
  try {
    await stream.firstAckAfter(Date.now(), 15_000);
    cutAt = Date.now();
    // Frozen, not stopped: the node's own processes keep running, Consul hears nothing from it (as a partition).
    process.kill(agent, 'SIGSTOP');
    await waitFor(async () => (await fetch(`http://${DATABASE_NODES[replica]}:${PATRONI_PORT}/primary`)).status === 200, { timeoutMs: 30_000, intervalMs: 100, what: `${replica} to take the leader lock` });
    const ledAfter = Date.now() - cutAt;
    await waitFor(() => isStandby(primary).catch(() => false), { timeoutMs: (DCS_TIMING.ttl + 10) * 1_000, intervalMs: 100, what: `${primary} to demote itself without Consul` });
    const demotedAfter = Date.now() - cutAt;
    const first = await stream.firstAckAfter(cutAt, 30_000);
    console.log(`cloud layout, ${primary} cut off from Consul: ${replica} leads after ${ledAfter} ms, ${primary} read-only after ${demotedAfter} ms, first write through the listener after ${first.at - cutAt} ms, ${stream.refused} refused`);
    await waitFor(() => stream.acked.filter((w) => w.at > first.at).length >= 20 || undefined, { timeoutMs: 15_000, intervalMs: 100, what: 'twenty writes after the cut' });
  } finally {
    await stream.stop();
    process.kill(agent, 'SIGCONT');
  }
  const rows = toProbeRows(await queryOn(DATABASE_NODES[replica], PROBE_ROWS_SQL));
  console.log(`writers through svc-1's write listener, in order: ${writerRuns(rows).join(' -> ')}`);
  expect(twoWritersAtOnce(rows)).toEqual([]);
  expect(twoWritersAtOnce(stream.acked)).toEqual([]);
  const stored = new Map(rows.map((r) => [r.value, takerOf(r)]));
  expect(stream.acked.filter((w) => stored.get(w.value) !== takerOf(w))).toEqual([]);
  // Back with Consul, the former leader is rewound (pg_rewind as the replicator) and becomes the new one's synchronous standby.
  await waitForSyncStandby(replica, primary, 90_000);
  expect(await databaseRoles(30_000)).toEqual({ primary: replica, replica: primary });
});

test("the leading database node lost (every process of it killed): its serfHealth ends Patroni's session, the other node leads within seconds, and users writes again", async () => {
  const { primary, replica } = await databaseRoles(10_000);
  const lost = nodes.find((n) => n.name === primary);
  if (!lost) throw new Error(`${primary} was not started`);
  const killedAt = Date.now();
  // The node's agent dies with it: only the Consul servers' failure detection (serfHealth) can end the session.
  for (const pid of processesOf(lost.stateDir)) process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await (await fetch(`http://${DATABASE_NODES[replica]}:${PATRONI_PORT}/primary`)).status) === 200, { timeoutMs: 30_000, intervalMs: 100, what: `${replica} to take the leader lock` });
  const ledAfter = Date.now() - killedAt;
  const serf = await waitFor(
    async () => {
      const res = await consulFetch(consulApi, `/v1/health/node/${primary}`);
      const checks = (await res.json()) as { CheckID: string; Status: string }[];
      return checks.find((c) => c.CheckID === 'serfHealth' && c.Status === 'critical');
    },
    { timeoutMs: 10_000, intervalMs: 200, what: `${primary}'s serfHealth to be critical` },
  );
  console.log(`cloud layout: ${replica} leads ${ledAfter} ms after every process of ${primary} was killed (ttl ${DCS_TIMING.ttl} s)`);
  expect(serf.Status).toBe('critical');
  // Passing or not: users' readiness includes its database, which is failing over right now.
  const [users] = await healthOf(consulApi, 'users');
  let last = '';
  const write = async (): Promise<boolean> => {
    const res = await fetch(`http://${users?.Service.Address}:${users?.Service.Port}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `after-${randomUUID()}@example.com`, name: 'After' }) });
    last = `${res.status} ${await res.text()}`;
    return res.status === 201;
  };
  await waitFor(() => write().catch((err: unknown) => ((last = String(err)), false)), { timeoutMs: 30_000, intervalMs: 250, what: `users to write through ${replica}` }).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; users last answered ${last}`);
  });
  lost.child.stop(1_000).catch(() => undefined);
});

test('stopping a node stops everything it started', async () => {
  const [survivor] = await healthOf(consulApi, 'postgres', true);
  const node = nodes.find((n) => n.name === Object.entries(DATABASE_NODES).find(([, a]) => a === survivor?.Service.Address)?.[0]);
  if (!node) throw new Error('no database node left running');
  await node.child.stop(40_000);
  expect(processesOf(node.stateDir)).toEqual([]);
  await waitFor(async () => (await healthOf(consulApi, 'postgres', true)).length === 0, { timeoutMs: 15_000, what: `${node.name} to leave the passing set` });
});
