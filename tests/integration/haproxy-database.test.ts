import { Client } from 'pg';
import { createLogger, dbConfigShape, loadConfig, openDatabase } from '@platform/service-kit';
import { sleep, waitFor } from '@platform/process-runner';
import { Registry } from 'prom-client';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';

let consul: TestConsul;
let pg: TestPostgres;
let lb: TestLb;

/** One new connection through a listener (HAProxy balances connections), asking who served it. */
async function servedBy(addr: string, sql = 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby'): Promise<{ port: number; standby: boolean }> {
  const [host, port] = addr.split(':');
  const spec = pg.cluster.connection(pg.cluster.primary, 'app');
  const client = new Client({ ...spec, host, port: Number(port), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ port: number; standby: boolean }>(sql);
    return rows[0] as { port: number; standby: boolean };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const replicaPorts = () => pg.cluster.replicas.map((r) => r.port);

beforeAll(async () => {
  consul = await startTestConsul();
  pg = await startTestPostgres({ consulAddr: consul.httpAddr, roleChecks: true, maxReplicaLagMs: 500 });
  lb = await startTestLb(consul.httpAddr, 'db', { POSTGRES_MAX_REPLICA_LAG_MS: '500' });
  await waitFor(async () => !(await servedBy(lb.addr)).standby, { timeoutMs: 10_000, what: 'the write listener to reach the primary' });
  await waitFor(async () => (await servedBy(lb.readAddr as string)).standby, { timeoutMs: 10_000, what: 'the read listener to reach a replica' });
});

afterAll(async () => {
  await lb.stop();
  await pg.stop();
  await consul.stop();
});

test("the database load balancer's HAProxy workers run as the unprivileged haproxy user", () => {
  expect(lb.workerUsers()).toEqual(expect.arrayContaining(['haproxy']));
  expect(lb.workerUsers().filter((u) => u !== 'haproxy')).toEqual([]);
});

test('writes through the write listener land on the primary', async () => {
  await pg.sql(pg.cluster.primary, 'CREATE TABLE IF NOT EXISTS lb_probe (id serial PRIMARY KEY, note text)');
  await pg.sql(pg.cluster.primary, 'GRANT ALL ON lb_probe, lb_probe_id_seq TO platform_app');
  for (let i = 0; i < 20; i += 1) {
    const served = await servedBy(lb.addr, "WITH w AS (INSERT INTO lb_probe (note) VALUES ('x') RETURNING 1) SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby FROM w");
    expect(served).toEqual({ port: pg.cluster.primary.port, standby: false });
  }
});

test('100 reads through the read listener are served by both replicas and never by the primary', async () => {
  const ports = new Map<number, number>();
  for (let i = 0; i < 100; i += 1) {
    const { port } = await servedBy(lb.readAddr as string);
    ports.set(port, (ports.get(port) ?? 0) + 1);
  }
  expect([...ports.keys()].sort()).toEqual([...replicaPorts()].sort());
  expect(ports.has(pg.cluster.primary.port)).toBe(false);
});

test('a write sent to the read listener fails with a clear error', async () => {
  await expect(servedBy(lb.readAddr as string, "INSERT INTO lb_probe (note) VALUES ('nope') RETURNING 1")).rejects.toThrow(/read-only transaction/);
});

test('a replica whose lag passes the bound leaves the read set within 2 s and returns when resumed', async () => {
  const [lagging, other] = pg.cluster.replicas;
  await pg.pauseReplay(lagging!);
  const writer = setInterval(() => void pg.sql(pg.cluster.primary, "INSERT INTO lb_probe (note) VALUES ('lag')").catch(() => undefined), 50);
  try {
    const pausedAt = Date.now();
    await waitFor(
      async () => {
        for (let i = 0; i < 10; i += 1) if ((await servedBy(lb.readAddr as string)).port === lagging!.port) return false;
        return true;
      },
      { timeoutMs: 2_000 + 1_500, intervalMs: 50, what: 'the lagging replica to leave the read set' },
    );
    expect(Date.now() - pausedAt).toBeLessThan(3_500);
    for (let i = 0; i < 20; i += 1) expect((await servedBy(lb.readAddr as string)).port).toBe(other!.port);
  } finally {
    clearInterval(writer);
    await pg.resumeReplay(lagging!);
  }
  await waitFor(
    async () => {
      for (let i = 0; i < 10; i += 1) if ((await servedBy(lb.readAddr as string)).port === lagging!.port) return true;
      return false;
    },
    { timeoutMs: 5_000, intervalMs: 100, what: 'the replica to rejoin after resume' },
  );
});

test('a replica stopped: reads through the kit continue with zero errors, and it rejoins after restart', async () => {
  const logger = createLogger({ service: 'db-test', instanceId: 'db-test-1', node: 'test', level: 'error', toStdout: false });
  const env = { ...pg.serviceEnv(), DB_WRITE_URL: pg.cluster.url(pg.cluster.primary).replace(/@[^/]+\//, `@${lb.addr}/`), DB_READ_URL: pg.cluster.url(pg.cluster.primary).replace(/@[^/]+\//, `@${lb.readAddr}/`) };
  const config = loadConfig(env, dbConfigShape);
  const database = await openDatabase({ service: 'dbtest', config, logger, registry: new Registry() });
  let reads = 0;
  const errors: string[] = [];
  let running = true;
  const reader = (async () => {
    while (running) {
      try {
        await database.read.query('SELECT inet_server_port() AS port');
        reads += 1;
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  })();
  await sleep(500);
  const victim = pg.cluster.replicas[0]!;
  await victim.stop(5_000);
  await sleep(3_000);
  running = false;
  await reader;
  expect(errors).toEqual([]);
  expect(reads).toBeGreaterThan(100);
  await database.close();

  await pg.restart();
  await waitFor(
    async () => {
      for (let i = 0; i < 10; i += 1) if ((await servedBy(lb.readAddr as string)).port === victim.port) return true;
      return false;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: 'the restarted replica to rejoin the read set' },
  );
});
