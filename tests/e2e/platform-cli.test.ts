import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { findUser, pidAlive, runningAsRoot, waitFor } from '@platform/process-runner';
import { CHECKOUT_TURN_WAIT_MS, CLI_ENTRY, platformCli, platformTestEnv, takeCheckoutTurn } from '../harness/platform-cli';
import { repoRoot } from '../harness/service-process';
import { httpsGet } from '../harness/http-client';

let env: NodeJS.ProcessEnv;
let stateDir: string;
let releaseTurn: (() => void) | undefined;

const platform = (...args: string[]) => platformCli(env, ...args);

/** Every process on the machine whose environment or command line mentions this test's state dir. */
function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const text = readFileSync(`/proc/${name}/environ`, 'latin1') + readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (text.includes(dir)) found.push(Number(name));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

beforeAll(async () => {
  // Its platform would start a service another test is adding to services/, and the other way round.
  releaseTurn = await takeCheckoutTurn();
  // Long enough that an instance scaled away is still draining when the next CLI call comes,
  // however slow the machine (the id-reuse check below depends on it): 4 s ran out in CI, where
  // two `platform scale` calls in a row were 10 s apart (load 15 on two cores). Below the
  // supervisor's 35 s grace, so drains still end by themselves.
  ({ env, stateDir } = await platformTestEnv({ DRAIN_MS: '15000' }));
}, CHECKOUT_TURN_WAIT_MS + 30_000);

afterAll(() => {
  platform('down');
  releaseTurn?.();
});

test('platform up refuses at once, naming the variable, when one of its ports is taken; nothing is left running', async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(Number(env.EDGE_PORT), '127.0.0.1', resolve));
  try {
    const run = platform('up', '--instances', '1', '--skip-install');
    expect(run.code).toBe(1);
    expect(run.out).toContain(`another process already listens on 127.0.0.1:${env.EDGE_PORT} (EDGE_PORT)`);
    expect(processesUsing(stateDir)).toEqual([]);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
});

test('platform up, status with HAProxy beside Consul, scale, crashes restarted, down leaves no process, and the data is there after up again', async () => {
  const upRun = platform('up', '--instances', '1', '--scale', 'users=2', '--skip-install');
  expect(upRun.out).toContain('waiting for 4 instances');
  expect(upRun.code).toBe(0);
  expect(upRun.out).toMatch(new RegExp(`Alerts\\s+http://127\\.0\\.0\\.1:${env.ALERTMANAGER_PORT}`));
  // HTTPS at the edge with the platform's own CA, whose path `up` prints for curl --cacert.
  const caCert = join(stateDir, 'haproxy/edge-tls/ca.crt');
  expect(upRun.out).toContain(`https://127.0.0.1:${env.EDGE_TLS_PORT}/   (curl --cacert ${caCert})`);
  for (const id of ['gateway-node-1-1', 'orders-node-1-1', 'users-node-1-1', 'users-node-1-2']) {
    expect(upRun.out).toMatch(new RegExp(`${id}\\s+127\\.0\\.0\\.1:\\d+\\s+passing`));
  }

  expectConsulSecretsKept(stateDir);
  expectInstancesUnprivileged(stateDir);

  const statusRun = platform('status');
  expect(statusRun.code).toBe(0);
  expect(statusRun.out).toMatch(/lb-edge-node-1\s+127\.0\.0\.1:\d+\s+passing/);
  // HAProxy's view beside Consul's: the edge routes to the gateway, the internal LB to users.
  expect(statusRun.out).toMatch(/edge 127\.0\.0\.1:\d+\s+svc_gateway\s+s\d\s+gateway-node-1-1\s+\S+\s+passing\s+ready \/ up/);
  expect(statusRun.out).toMatch(/internal 127\.0\.0\.1:\d+\s+svc_users\s+s\d\s+users-node-1-2\s+\S+\s+passing\s+ready \/ up/);

  const scaleRun = platform('scale', 'orders=2');
  expect(scaleRun.code).toBe(0);
  await waitFor(() => /internal 127\.0\.0\.1:\d+\s+svc_orders\s+s\d\s+orders-node-1-2\s+\S+\s+passing\s+ready \/ up/.test(platform('status').out), {
    timeoutMs: 10_000,
    intervalMs: 300,
    what: 'the new orders instance to be routed by the internal load balancer',
  });

  const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { pid: number; instances: { id: string; pid: number }[] };
  const victim = state.instances.find((i) => i.id === 'orders-node-1-1');
  process.kill(victim!.pid, 'SIGKILL');
  await waitFor(
    () => {
      const run = platform('status');
      return /orders-node-1-1\s+127\.0\.0\.1:\d+\s+passing\s+\d+\s+1/.test(run.out) && run.out.includes('! orders-node-1-1 crashed 1 time(s)');
    },
    // The restart waits out the supervisor's backoff and the instance's own start (database, Kafka).
    { timeoutMs: 30_000, intervalMs: 500, what: 'the crash to be reported and the instance restarted' },
  );
  expect(readFileSync(join(stateDir, 'logs/supervisor.log'), 'utf8')).toContain('instance orders-node-1-1 crashed (exit code null, signal SIGKILL)');

  // The platform's own processes are kept running too: a replica (by its Patroni) and the log
  // shipper (by the supervisor) killed -9.
  const postmasterPid = () => Number(readFileSync(join(stateDir, 'postgres/pg-2/data/postmaster.pid'), 'utf8').split('\n')[0]);
  const pgPid = postmasterPid();
  const componentPids = (name: string) => (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { components: { name: string; pids: number[] }[] }).components.find((c) => c.name === name)?.pids ?? [];
  const [filebeatPid] = componentPids('filebeat');
  process.kill(pgPid, 'SIGKILL');
  process.kill(filebeatPid!, 'SIGKILL');
  await waitFor(
    () => {
      const log = readFileSync(join(stateDir, 'logs/supervisor.log'), 'utf8');
      return log.includes('filebeat restarted (restart 1)') && !pidAlive(pgPid) && pidAlive(postmasterPid());
    },
    { timeoutMs: 30_000, intervalMs: 300, what: 'the replica and Filebeat to be restarted' },
  );
  expect(componentPids('filebeat')).not.toContain(filebeatPid);
  await waitFor(() => /postgres-node-1-pg-2\s+127\.0\.0\.1:\d+\s+passing/.test(platform('status').out), { timeoutMs: 15_000, intervalMs: 300, what: 'the restarted replica to pass its role check' });

  // Down and up again at once: the newcomer must not take the id of the instance still draining,
  // whose deregistration would otherwise remove the newcomer from Consul.
  expect(platform('scale', 'users=1').code).toBe(0);
  expect(platform('scale', 'users=2').code).toBe(0);
  const instancesNow = () => (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { instances: { id: string; state: string }[] }).instances;
  expect(instancesNow().filter((i) => i.id.startsWith('users-')).map((i) => `${i.id} ${i.state}`)).toEqual(
    expect.arrayContaining(['users-node-1-1 running', 'users-node-1-2 stopping', 'users-node-1-3 running']),
  );
  await waitFor(() => !instancesNow().some((i) => i.id === 'users-node-1-2'), { timeoutMs: 40_000, intervalMs: 300, what: 'the scaled-away instance to finish draining' });
  await waitFor(() => /users-node-1-3\s+127\.0\.0\.1:\d+\s+passing/.test(platform('status').out), { timeoutMs: 10_000, intervalMs: 300, what: 'the newcomer to pass' });
  // Had it shared the id, it would now be missing until its next re-registration.
  expect(platform('status').out).toMatch(/users-node-1-3\s+127\.0\.0\.1:\d+\s+passing/);

  // Data written through the public entry, to be read back after down and up.
  const apiKey = readFileSync(join(stateDir, 'gateway/dev-api-key'), 'utf8').trim();
  const edge = `http://127.0.0.1:${env.EDGE_PORT}`;
  const created = await fetch(`${edge}/users`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'kept@example.com', name: 'Kept' }) });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string };

  const before = processesUsing(stateDir);
  // supervisor, consul, two controllers with their HAProxy (master and worker), four instances
  expect(before.length).toBeGreaterThanOrEqual(10);

  const downRun = platform('down');
  expect(downRun.code).toBe(0);
  expect(downRun.out).toContain('no platform process is left');
  expect(downRun.out).not.toContain('was still running');
  expect(before.filter(pidAlive)).toEqual([]);
  expect(processesUsing(stateDir)).toEqual([]);
  expect(platform('status').code).toBe(3);

  // Up again on the same state: the user written before is still there.
  expect(platform('up', '--instances', '1', '--skip-install').code).toBe(0);
  const read = await fetch(`${edge}/users/${user.id}`, { headers: { 'x-api-key': readFileSync(join(stateDir, 'gateway/dev-api-key'), 'utf8').trim() } });
  const body = (await read.json()) as Record<string, unknown>;
  expect({ status: read.status, body }).toMatchObject({ status: 200 });
  expect(body).toMatchObject({ id: user.id, email: 'kept@example.com', name: 'Kept' });
  // The same user over HTTPS, with the CA made at the first up (kept across runs).
  const overTls = await httpsGet(`127.0.0.1:${env.EDGE_TLS_PORT}`, `/users/${user.id}`, { ca: readFileSync(caCert, 'utf8'), headers: { 'x-api-key': apiKey } });
  expect({ status: overTls.status, body: JSON.parse(overTls.body) as unknown }).toMatchObject({ status: 200, body: { id: user.id } });
  // Two whole `up`s (about a minute each on two loaded cores), a `down` and the checks between,
  // and two 15 s drains (the scale-down and the down).
}, 420_000);

/** Every file under `dir`, recursively. */
const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

/**
 * Consul's secrets stay in 0600 files in a 0700 folder: no instance has a token in its environment (only the path
 * of its own token file), and no log line holds one.
 */
function expectConsulSecretsKept(dir: string): void {
  const secrets = join(dir, 'consul', 'secrets');
  const mode = (path: string): string => `${path} ${(statSync(path).mode & 0o777).toString(8)}`;
  expect(mode(secrets)).toBe(`${secrets} 700`);
  // Certificates are public; keys, tokens, the gossip key and the config holding them are not.
  const secretFiles = [...filesUnder(secrets).filter((f) => !f.endsWith('.pem') || f.endsWith('-key.pem')), join(dir, 'consul', 'consul.json')];
  expect(secretFiles.length).toBeGreaterThanOrEqual(9);
  for (const file of secretFiles) expect(mode(file)).toBe(`${file} 600`);
  const tokens = readdirSync(join(secrets, 'tokens')).map((name) => readFileSync(join(secrets, 'tokens', name), 'utf8').trim());
  tokens.push(readFileSync(join(secrets, 'management.token'), 'utf8').trim());
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { instances: { service: string; pid: number | null }[] };
  const users = state.instances.find((i) => i.service === 'users');
  const environ = readFileSync(`/proc/${users?.pid ?? 0}/environ`, 'latin1').split('\0');
  // As root, its own copy, handed to its account (see expectInstancesUnprivileged); else the file itself.
  const own = runningAsRoot() ? join(dir, 'run', 'users', 'consul-http-token') : join(secrets, 'tokens', 'service-users');
  expect(environ).toContain(`CONSUL_HTTP_TOKEN_FILE=${own}`);
  const logs = filesUnder(join(dir, 'logs')).map((f) => readFileSync(f, 'utf8')).join('\n') + readFileSync(join(dir, 'consul', 'consul.log'), 'utf8');
  for (const token of tokens) {
    expect(environ.join('\n')).not.toContain(token);
    expect(logs).not.toContain(token);
  }
}

/** Whether `account` can read `file`: `cat` run as it, with no groups but its own. */
function canRead(account: string, file: string): boolean {
  const user = findUser(account);
  if (!user) throw new Error(`no OS user ${account}`);
  return spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', 'cat', file], { stdio: 'ignore' }).status === 0;
}

/**
 * Started as root (as the test machine runs it), every instance runs as its service's own account (`platform-svc-<service>`), writes its
 * log, and reads only its own copies of its files: not another service's, nor the originals the supervisor keeps.
 */
function expectInstancesUnprivileged(dir: string): void {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { env: Record<string, string>; instances: { service: string; id: string; pid: number | null }[] };
  const instances = state.instances.filter((i) => ['gateway', 'users', 'orders'].includes(i.service));
  expect(instances.length).toBe(4);
  const uidOf = (pid: number | null): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  if (!runningAsRoot()) {
    // Nothing to drop: the instances run as whoever ran `platform up`.
    expect(instances.map((i) => uidOf(i.pid))).toEqual(instances.map(() => process.getuid?.()));
    return;
  }
  for (const { service, id, pid } of instances) {
    const account = `platform-svc-${service}`;
    const user = findUser(account);
    const ps = spawnSync('ps', ['-o', 'user:32=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
    const uid = uidOf(pid);
    expect({ id, ps, uid }).toEqual({ id, ps: account, uid: user?.uid });
    const token = join(dir, 'run', service, 'consul-http-token');
    expect({ token, uid: statSync(token).uid, mode: (statSync(token).mode & 0o777).toString(8) }).toEqual({ token, uid, mode: '600' });
    expect(canRead(account, token)).toBe(true);
    const log = join(dir, 'logs', service, `${id}.log`);
    expect({ log, owner: statSync(log).uid, written: statSync(log).size > 0 }).toEqual({ log, owner: uid, written: true });
  }
  const tokens = join(dir, 'consul', 'secrets', 'tokens');
  expect(canRead('platform-svc-users', join(dir, 'run', 'users', 'db-password'))).toBe(true);
  for (const file of [join(dir, 'run', 'orders', 'consul-http-token'), join(tokens, 'service-orders'), join(tokens, 'service-users'), join(tokens, 'lb-controller'), state.env.DB_PASSWORD_FILE ?? '-', join(dir, 'run', 'gateway', 'gateway-api-keys.json'), join(dir, 'gateway', 'dev-api-key')]) {
    expect(`${file} ${canRead('platform-svc-users', file) ? 'readable' : 'refused'}`).toBe(`${file} refused`);
  }
  // Gateway credentials go to the gateway alone; the database password to every service, as a copy.
  const environ = readFileSync(`/proc/${instances.find((i) => i.service === 'users')?.pid ?? 0}/environ`, 'latin1').split('\0');
  expect(environ).toContain(`DB_PASSWORD_FILE=${join(dir, 'run', 'users', 'db-password')}`);
  expect(environ.filter((e) => e.startsWith('GATEWAY_API_KEYS_FILE='))).toEqual([]);
}

/**
 * What a team writes for a new service, as plain JavaScript so the test needs no build: a route
 * under its own prefix reading a table its own migration created and filled.
 */
function writeNewService(dir: string, name: string): void {
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  // Built output under dist/, as every service's (a release copies the folder and runs its main from dist/).
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@platform/${name}`, version: '0.1.0', private: true, main: 'dist/main.js', platform: { instances: 1 } }));
  writeFileSync(join(dir, 'migrations', '1764900000000_create-shelf.sql'), '-- Up Migration\nCREATE TABLE shelf (sku text PRIMARY KEY);\nINSERT INTO shelf VALUES (\'a\'), (\'b\');\n\n-- Down Migration\nDROP TABLE shelf;\n');
  writeFileSync(
    join(dir, 'dist', 'main.js'),
    `const { runMain, connectDatabase, dbConfigShape } = require('@platform/service-kit');
runMain({
  name: '${name}',
  version: '0.1.0',
  meta: { 'gateway-prefix': '/${name}', 'gateway-auth': 'public' },
  config: { ...dbConfigShape },
  async setup({ app, config, logger, metrics }) {
    const db = await connectDatabase({ service: '${name}', app, config, logger, metrics });
    app.get('/${name}/shelf', async () => ({ skus: (await db.read.query('SELECT sku FROM shelf ORDER BY sku')).rows.map((r) => r.sku) }));
    return { readiness: db.readiness, close: () => db.close() };
  },
});
`,
  );
}

test('a service folder added while the platform runs starts with platform scale: migrated first, routed by the gateway, nothing else restarted', async () => {
  const name = `e2e-added-${randomBytes(3).toString('hex')}`;
  const dir = join(repoRoot, 'services', name);
  const edge = `http://127.0.0.1:${env.EDGE_PORT}`;
  const pidsBefore = (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { instances: { id: string; pid: number }[] }).instances;
  try {
    writeNewService(dir, name);
    const scaleRun = platform('scale', `${name}=1`);
    expect({ code: scaleRun.code, said: scaleRun.code === 0 ? '' : scaleRun.out }).toEqual({ code: 0, said: '' });
    await waitFor(async () => (await fetch(`${edge}/${name}/shelf`)).status === 200, { timeoutMs: 30_000, intervalMs: 300, what: `${name} to be routed through the edge and the gateway` });
    expect(await (await fetch(`${edge}/${name}/shelf`)).json()).toEqual({ skus: ['a', 'b'] });
    expect(readFileSync(join(stateDir, 'logs/supervisor.log'), 'utf8')).toContain(`${name}: migrations applied 1764900000000_create-shelf`);
    const pidsAfter = (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { instances: { id: string; pid: number }[] }).instances;
    for (const before of pidsBefore) expect(pidsAfter).toContainEqual(expect.objectContaining({ id: before.id, pid: before.pid }));

    const unknown = platform('scale', 'no-such-service=1');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain(`unknown service no-such-service; services here: `);
    expect(unknown.out).toContain(name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A CLI call whose stdout must be JSON: one document, or one object per line. */
function platformJson(kind: 'document' | 'lines', ...args: string[]): { code: number | null; json: unknown } {
  const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env, encoding: 'utf8', timeout: 150_000 });
  try {
    const json: unknown = kind === 'document' ? JSON.parse(result.stdout) : result.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    return { code: result.status, json };
  } catch (err) {
    throw new Error(`platform ${args.join(' ')} (exit ${result.status}) printed no JSON (${String(err)}): stdout ${JSON.stringify(result.stdout.slice(0, 500))}, stderr ${JSON.stringify(result.stderr.slice(0, 500))}`);
  }
}

test('on the running platform every --json command prints JSON that parses, with the documented fields; the Consul UI answers where platform open says', async () => {
  const declared = platformJson('document', 'help', '--json').json as { name: string; json: 'document' | 'lines' | null; examples: string[] }[];
  for (const command of declared.filter((c) => c.json)) {
    const run = platformJson(command.json ?? 'document', ...(command.examples[0] ?? '').split(' '), '--json');
    // alerts exits 1 when something fires; every other read succeeds.
    expect({ command: command.name, code: run.code }).toEqual({ command: command.name, code: command.name === 'alerts' && run.code === 1 ? 1 : 0 });
  }

  const status = platformJson('document', 'status', '--json').json as { running: boolean; instances: { id: string; address: string; health: string; pid: number }[]; loadBalancers: { role: string; backend: string; instance: string; haproxyState: string }[]; kafka: { topics: unknown[] } };
  expect(status.running).toBe(true);
  expect(status.instances).toContainEqual(expect.objectContaining({ id: 'gateway-node-1-1', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/), health: 'passing', pid: expect.any(Number) }));
  expect(status.loadBalancers).toContainEqual(expect.objectContaining({ role: 'edge', backend: 'gateway', instance: 'gateway-node-1-1', haproxyState: expect.stringMatching(/^up /) }));
  expect(Array.isArray(status.kafka.topics)).toBe(true);

  const db = platformJson('document', 'db', 'status', '--json').json as { leader: string | null; members: { name: string; role: string; lagBytes: number | null }[] };
  expect(db.leader).toEqual(expect.any(String));
  expect(db.members.map((m) => m.name)).toContain(db.leader);
  // Each HAProxy backend by its own name (the db load balancer has three for one service), and a
  // traffic split's candidate side, empty while no split runs, is not reported as missing instances.
  type LbRow = { role: string; haproxyBackend: string; instance: string | null; problem: string | null };
  const lbRows = status.loadBalancers as unknown as LbRow[];
  expect(new Set(lbRows.filter((v) => v.role === 'db').map((v) => v.haproxyBackend))).toEqual(new Set(['pg_primary', 'pg_replicas', 'pg_primary_fallback']));
  expect(lbRows.filter((v) => v.problem !== null)).toEqual([]);

  // status says who leads as Patroni sees it now: after a switchover too (its start-up lines name members only).
  type DbStatus = { leader: string | null; members: { name: string; role: string }[] };
  expect((platformJson('document', 'status', '--json').json as { database: DbStatus & { error: string | null } }).database).toEqual(expect.objectContaining({ leader: db.leader, error: null }));
  const switched = platformCli(env, 'db', 'switchover');
  expect(switched.out).toMatch(/switched over/i);
  const leaderNow = await waitFor(
    () => {
      const { database } = platformJson('document', 'status', '--json').json as { database: DbStatus };
      return database.leader !== null && database.leader !== db.leader && database.members.some((m) => m.name === db.leader && m.role !== 'leader') ? database.leader : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1_000, what: `platform status to name a leader other than ${db.leader}` },
  );
  const text = platformCli(env, 'status').out;
  expect(text).toMatch(new RegExp(`^${leaderNow} +leader `, 'm'));
  expect(text).not.toMatch(/PostgreSQL (leader|replica) /);
  expect(text).toContain(`PostgreSQL member ${db.leader} `);

  const migrated = platformJson('document', 'migrate', 'users', '--json').json;
  expect(migrated).toEqual({ direction: 'up', services: [{ service: 'users', schema: expect.any(String), changed: [] }] });

  const logs = platformJson('lines', 'logs', 'users', '-n', '3', '--json').json as Record<string, unknown>[];
  expect(logs.length).toBeGreaterThan(0);
  for (const line of logs) expect(line).toHaveProperty('@timestamp');

  const consul = platformJson('document', 'open', 'consul', '--json').json as { url: string };
  expect(consul.url).toBe(`http://127.0.0.1:${env.CONSUL_HTTP_PORT}/ui/`);
  const page = await fetch(consul.url);
  expect({ status: page.status, title: /<title>([^<]*)<\/title>/.exec(await page.text())?.[1] }).toEqual({ status: 200, title: 'Consul by HashiCorp' });
});
