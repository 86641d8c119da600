import { join } from 'node:path';
import { Registry } from 'prom-client';
import { waitFor } from '@platform/process-runner';
import { CONNECTION_RETRIES, consistency, createLogger, DatabaseError, dbConfigShape, evaluateReadiness, loadConfig, openDatabase, runMigrations, type Database } from '@platform/service-kit';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { repoRoot } from '../harness/service-process';
import { startTcpGate, urlVia } from '../harness/tcp-gate';

/**
 * The cluster and the kit's data layer against real servers: one primary and two streaming
 * replicas of this file's own, the kit's pools in this process.
 */
let pg: TestPostgres;
const opened: Database[] = [];
const logger = createLogger({ service: 'pg-test', instanceId: 'pg-test-1', node: 'test', level: 'error', toStdout: false });
const usersMigrations = join(repoRoot, 'services/users/migrations');

async function open(env: Record<string, string>, extra: Record<string, string> = {}): Promise<{ db: Database; registry: Registry }> {
  const registry = new Registry();
  // Through the kit's own config loading, as a service's environment would be read.
  const config = loadConfig({ DB_POOL_MAX: '4', ...env, ...extra }, dbConfigShape);
  const db = await openDatabase({ service: 'users', config, logger, registry });
  opened.push(db);
  return { db, registry };
}

const counter = async (registry: Registry, name: string, label?: string): Promise<number> => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric as { values?: { value: number; labels: Record<string, string> }[] } | undefined)?.values ?? [];
  return values.filter((v) => label === undefined || Object.values(v.labels).includes(label)).reduce((sum, v) => sum + v.value, 0);
};

beforeAll(async () => {
  pg = await startTestPostgres({ replicas: 2 });
  const env = pg.serviceEnv();
  await runMigrations({ url: env.DB_WRITE_URL ?? '', passwordFile: env.DB_PASSWORD_FILE, schema: 'users', dir: usersMigrations });
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await pg?.stop();
});

test('migrations are versioned and reversible: up applies once, down reverts, up applies again', async () => {
  const env = pg.serviceEnv();
  const run = (direction: 'up' | 'down', count?: number) =>
    runMigrations({ url: env.DB_WRITE_URL ?? '', passwordFile: env.DB_PASSWORD_FILE, schema: 'migration_test', dir: usersMigrations, direction, count });
  const tableExists = async (table: string) => (await pg.sql(pg.cluster.primary, `SELECT to_regclass('migration_test.${table}') AS t`))[0]?.t !== null;
  const all = ['1764050000000_create-users', '1764060000000_create-inbox', '1764060000001_create-order-stats'];

  expect(await run('up')).toEqual(all);
  expect(await run('up')).toEqual([]);
  expect(await tableExists('users')).toBe(true);
  // One step down reverts the newest migration only (a SQL one); JS migrations revert too.
  expect(await run('down')).toEqual(['1764060000001_create-order-stats']);
  expect(await tableExists('user_order_stats')).toBe(false);
  expect(await tableExists('users')).toBe(true);
  expect(await run('down', 2)).toEqual(['1764060000000_create-inbox', '1764050000000_create-users']);
  expect(await tableExists('inbox')).toBe(false);
  expect(await tableExists('users')).toBe(false);
  expect(await run('up')).toEqual(all);
});

test('writes on db.write land on the primary, and the replicas stream them', async () => {
  const { db } = await open(pg.serviceEnv());
  const { rows } = await db.write.query<{ standby: boolean; port: number }>(
    "INSERT INTO users (email, name) VALUES ('stream@example.com', 'Stream') RETURNING pg_is_in_recovery() AS standby, inet_server_port() AS port",
  );
  expect(rows[0]).toEqual({ standby: false, port: pg.cluster.primary.port });

  for (const replica of pg.cluster.replicas) {
    await waitFor(async () => (await pg.sql(replica, "SELECT 1 FROM users.users WHERE email = 'stream@example.com'")).length === 1, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: `${replica.name} to replay the write`,
    });
    expect((await pg.sql<{ standby: boolean }>(replica, 'SELECT pg_is_in_recovery() AS standby'))[0]?.standby).toBe(true);
  }
});

test('a write sent on db.read fails with a clear error, on a replica and on the primary alike', async () => {
  const onReplica = (await open(pg.serviceEnv())).db;
  const onPrimary = (await open(pg.serviceEnv(pg.cluster.primary))).db;
  for (const db of [onReplica, onPrimary]) {
    const attempt = db.read.query("INSERT INTO users (email, name) VALUES ('sneaky@example.com', 'Sneaky')");
    await expect(attempt).rejects.toBeInstanceOf(DatabaseError);
    await expect(attempt).rejects.toMatchObject({ code: 'KIT_DB_WRITE_ON_READ_POOL', message: expect.stringContaining('send writes on db.write') });
  }
  expect(await pg.sql(pg.cluster.primary, "SELECT 1 FROM users.users WHERE email = 'sneaky@example.com'")).toHaveLength(0);
});

test('a read whose connection breaks under it is sent again once and succeeds', async () => {
  const replica = pg.cluster.replicas[0]!;
  const { db, registry } = await open(pg.serviceEnv(replica));
  const reading = db.read.query<{ ok: number }>('SELECT pg_sleep(0.4), 1 AS ok');
  await waitFor(async () => (await pg.sql(replica, "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.4)%'")).length === 1, {
    timeoutMs: 2_000,
    intervalMs: 10,
    what: 'the read to be running on the replica',
  });
  await pg.sql(replica, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.4)%'");
  expect((await reading).rows[0]?.ok).toBe(1);
  expect(await counter(registry, 'db_read_retries_total')).toBe(1);
});

test('a write whose connection is cut or refused before anything was sent waits for the primary to come back; refused for good, it fails after the retries', async () => {
  const primary = pg.cluster.primary;
  const gate = await startTcpGate({ host: primary.host, port: primary.port });
  try {
    const env = pg.serviceEnv();
    const { db, registry } = await open({ ...env, DB_WRITE_URL: urlVia(env.DB_WRITE_URL ?? '', gate.addr) });
    await db.write.query('SELECT 1');
    // The database HAProxy with no primary for 0.6 s: the pooled connection cut, new ones accepted
    // and closed at once.
    gate.shut();
    setTimeout(() => gate.open(), 600);
    const written = await db.write.transaction((tx) => tx.query("INSERT INTO users (email, name) VALUES ('gap@example.com', 'Gap') RETURNING id"));
    expect(written.rows).toHaveLength(1);
    const retried = await counter(registry, 'db_write_retries_total');
    expect(retried).toBeGreaterThanOrEqual(1);
    expect(await pg.sql(primary, "SELECT 1 FROM users.users WHERE email = 'gap@example.com'")).toHaveLength(1);

    // No primary at all: a broken-connection error after every retry, nothing written.
    gate.shut();
    await expect(db.write.transaction((tx) => tx.query("INSERT INTO users (email, name) VALUES ('never@example.com', 'Never')"))).rejects.toThrow(/Connection terminated|connection/i);
    expect(await counter(registry, 'db_write_retries_total')).toBe(retried + CONNECTION_RETRIES);
    expect(await pg.sql(primary, "SELECT 1 FROM users.users WHERE email = 'never@example.com'")).toHaveLength(0);
  } finally {
    await gate.close();
  }
});

test('a read refused for a moment is tried again with backoff and answers', async () => {
  const replica = pg.cluster.replicas[0]!;
  const gate = await startTcpGate({ host: replica.host, port: replica.port });
  try {
    const env = pg.serviceEnv(replica);
    const { db, registry } = await open({ ...env, DB_READ_URL: urlVia(env.DB_READ_URL ?? '', gate.addr) });
    gate.shut();
    setTimeout(() => gate.open(), 600);
    expect((await db.read.query<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok).toBe(1);
    expect(await counter(registry, 'db_read_retries_total')).toBeGreaterThanOrEqual(2);
  } finally {
    await gate.close();
  }
});

test('readiness takes a statement answered in the last 2 s as its evidence while every connection is busy; with nothing answered since, the queued check fails', async () => {
  const { db } = await open(pg.serviceEnv(), { DB_POOL_MAX: '1', DB_STATEMENT_TIMEOUT_MS: '10000' });
  const ready = async (): Promise<boolean> => (await evaluateReadiness({ draining: false, checks: db.readiness })).ok;
  await db.read.query('SELECT 1');
  // Both pools' one connection busy for 5 s: a SELECT 1 would queue behind them past the check's timeout.
  const busy = Promise.all([db.read.query('SELECT pg_sleep(5)'), db.write.query('SELECT pg_sleep(5)')]);
  expect(await ready()).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 2_200));
  expect(await ready()).toBe(false);
  await busy;
  expect(await ready()).toBe(true);
});

test('read-your-writes in the kit: with replay paused, a read that must see a write goes to the primary', async () => {
  const replica = pg.cluster.replicas[1]!;
  const { db, registry } = await open(pg.serviceEnv(replica), { DB_READ_YOUR_WRITES_WAIT_MS: '100' });
  await pg.pauseReplay(replica);
  try {
    await consistency.run({}, async () => {
      await db.write.query("INSERT INTO users (email, name) VALUES ('ryw@example.com', 'Ryw')");
      expect(consistency.current()?.wrote).toBeDefined();
      const { rows } = await db.read.query("SELECT email FROM users WHERE email = 'ryw@example.com'");
      expect(rows).toHaveLength(1);
    });
    // The same read without a position to wait for is served by the paused replica: stale.
    expect((await db.read.query("SELECT email FROM users WHERE email = 'ryw@example.com'")).rows).toHaveLength(0);
    expect(await counter(registry, 'db_reads_total', 'primary')).toBe(1);
  } finally {
    await pg.resumeReplay(replica);
  }
  await consistency.run({}, async () => {
    await db.write.query("INSERT INTO users (email, name) VALUES ('ryw2@example.com', 'Ryw2')");
    expect((await db.read.query("SELECT email FROM users WHERE email = 'ryw2@example.com'")).rows).toHaveLength(1);
  });
  expect(await counter(registry, 'db_reads_total', 'primary')).toBe(1);
});

test('data survives stopping and starting the cluster; the replicas stream again', async () => {
  await pg.sql(pg.cluster.primary, "INSERT INTO users.users (email, name) VALUES ('durable@example.com', 'Durable')");
  await pg.restart();
  expect(await pg.sql(pg.cluster.primary, "SELECT name FROM users.users WHERE email = 'durable@example.com'")).toEqual([{ name: 'Durable' }]);
  await pg.sql(pg.cluster.primary, "INSERT INTO users.users (email, name) VALUES ('after-restart@example.com', 'After')");
  for (const replica of pg.cluster.replicas) {
    await waitFor(async () => (await pg.sql(replica, "SELECT 1 FROM users.users WHERE email IN ('durable@example.com', 'after-restart@example.com')")).length === 2, {
      timeoutMs: 5_000,
      intervalMs: 20,
      what: `${replica.name} to have the data before and after the restart`,
    });
  }
});
