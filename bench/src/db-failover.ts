import { waitFor } from '@platform/process-runner';
import { withConnection, type PgMember } from '@platform/postgres';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { startTestLb } from '@platform/tests/dist/harness/load-balancer';
import { startTestPostgres, type TestPostgres } from '@platform/tests/dist/harness/postgres';
import { startWriteStream, writeProbeDdl, WRITE_PROBE_TABLE } from '@platform/tests/dist/harness/write-stream';
import { percentile, printTable } from './stats';

const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 5);

/** The leader, once every replica streams and one is the synchronous standby (the only one Patroni may promote). */
async function settled(pg: TestPostgres): Promise<PgMember> {
  const leader = await pg.cluster.refreshRoles();
  await pg.cluster.waitForStreaming();
  await waitFor(async () => (await leader.rest.cluster()).some((m) => m.role === 'sync_standby'), { timeoutMs: 30_000, intervalMs: 200, what: 'a synchronous standby' });
  return leader;
}

/**
 * N times: writes every 20 ms through the database HAProxy's write listener, then the leader's
 * Patroni and PostgreSQL killed -9 (a node lost). Prints the time from the kill to the first
 * write acknowledged by the new leader, the writes refused meanwhile, and the acknowledged
 * writes missing afterwards (synchronous mode: there should be none). The old leader is brought
 * back (it rejoins as a replica) before the next run.
 */
export async function benchDbFailover(): Promise<void> {
  const consul = await startTestConsul();
  const pg = await startTestPostgres({ replicas: 2, consulAddr: consul.httpAddr, roleChecks: true, maxReplicaLagMs: 1_000 });
  const lb = await startTestLb(consul.httpAddr, 'db', { POSTGRES_MAX_REPLICA_LAG_MS: '1000' });
  const rows: (string | number)[][] = [];
  const outages: number[] = [];
  let latencies: (string | number)[][] = [];
  try {
    await pg.sql(pg.cluster.primary, writeProbeDdl);
    const [host, port] = lb.addr.split(':') as [string, string];
    for (let run = 1; run <= RUNS; run += 1) {
      const old = await settled(pg);
      const stream = startWriteStream({ ...pg.cluster.connection(old, 'app'), host, port: Number(port) });
      await waitFor(() => stream.acked.length >= 50, { timeoutMs: 20_000, intervalMs: 20, what: 'fifty writes before the kill' });
      const refusedBefore = stream.refused;
      const postgres = old.postgresPid();
      const killedAt = Date.now();
      process.kill(old.pid, 'SIGKILL');
      if (postgres !== undefined) process.kill(postgres, 'SIGKILL');
      const first = await stream.firstAckAfter(killedAt, 60_000);
      const refused = stream.refused - refusedBefore;
      await waitFor(() => stream.acked.filter((w) => w.at >= first.at).length >= 50, { timeoutMs: 20_000, intervalMs: 20, what: 'fifty writes on the new leader' });
      await stream.stop();
      const leader = await pg.cluster.refreshRoles();
      const stored = new Set((await pg.sql<{ v: string }>(leader, `SELECT v FROM ${WRITE_PROBE_TABLE}`)).map((r) => Number(r.v)));
      const missing = stream.acked.filter((w) => !stored.has(w.value)).length;
      await pg.sql(leader, `TRUNCATE ${WRITE_PROBE_TABLE}`);
      outages.push(first.at - killedAt);
      rows.push([run, `${old.name} -> ${leader.name}`, first.at - killedAt, refused, stream.acked.length, missing]);
      await old.restart();
    }
    latencies = await writeLatencies(pg);
  } finally {
    await lb.stop();
    await pg.stop();
    await consul.stop();
  }
  printTable(`leader lost (Patroni and PostgreSQL killed -9), ${RUNS} runs, writes every 20 ms through the write listener`, ['run', 'leader', 'first write on the new leader (ms)', 'writes refused', 'writes acknowledged', 'acknowledged writes missing'], rows);
  printTable('time to the first write on the new leader', ['median (ms)', 'max (ms)'], [[percentile(outages, 50), Math.max(...outages)]]);
  printTable(`single-row insert latency on the leader, ${WRITES} in a row (the trade of POSTGRES_SYNCHRONOUS)`, ['synchronous_mode', 'p50 (ms)', 'p99 (ms)'], latencies);
}

const WRITES = 500;

/** Commit latency with a synchronous standby and without one (Patroni's setting changed in place). */
async function writeLatencies(pg: TestPostgres): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const synchronous of [true, false]) {
    const leader = await settled(pg);
    await leader.rest.patchConfig({ synchronous_mode: synchronous });
    await waitFor(async () => (await leader.rest.cluster()).some((m) => m.role === 'sync_standby') === synchronous, { timeoutMs: 30_000, intervalMs: 200, what: `synchronous_mode ${synchronous}` });
    await pg.sql(leader, `TRUNCATE ${WRITE_PROBE_TABLE}`);
    const times = await timeInserts(pg, leader);
    rows.push([synchronous ? 'on' : 'off', percentile(times, 50), percentile(times, 99)]);
  }
  await (await pg.cluster.refreshRoles()).rest.patchConfig({ synchronous_mode: true });
  return rows;
}

async function timeInserts(pg: TestPostgres, leader: PgMember): Promise<number[]> {
  return withConnection(pg.cluster.connection(leader, 'admin', 'platform'), async (client) => {
    const times: number[] = [];
    for (let i = 0; i < WRITES; i += 1) {
      const start = process.hrtime.bigint();
      await client.query(`INSERT INTO ${WRITE_PROBE_TABLE} (v, port, timeline) VALUES ($1, 0, 0)`, [i + 1]);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return times;
  });
}
