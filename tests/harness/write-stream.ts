import { Client } from 'pg';
import type { PgMember } from '@platform/postgres';
import { sleep } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from './consul';
import { startTestLb, type TestLb } from './load-balancer';
import { startTestPostgres, type TestPostgres } from './postgres';

/** One acknowledged write: its value, when the commit returned, and who took it. */
export interface AckedWrite {
  value: number;
  at: number;
  /** The server that took it: its address (inet_server_addr) and port, and its timeline. */
  addr: string;
  port: number;
  timeline: number;
}

export interface WriteStream {
  readonly acked: readonly AckedWrite[];
  /** Writes that failed (refused, broken off, timed out); one in flight when they broke may still have committed. */
  readonly refused: number;
  /** The first write acknowledged after `since` (ms epoch), waiting up to timeoutMs for one. */
  firstAckAfter(since: number, timeoutMs: number): Promise<AckedWrite>;
  stop(): Promise<void>;
}

export interface WriteTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export const WRITE_PROBE_TABLE = 'ha_probe';

/** The probe table, made once on the leader; the app role writes to it. */
export const writeProbeDdl = `CREATE TABLE IF NOT EXISTS ${WRITE_PROBE_TABLE} (v bigint PRIMARY KEY, port int NOT NULL, timeline int NOT NULL, addr text NOT NULL DEFAULT host(inet_server_addr()));
GRANT ALL ON ${WRITE_PROBE_TABLE} TO platform_app`;

/**
 * A steady stream of single-row writes through one address (the database HAProxy's write
 * listener), each on a connection kept until it breaks. Every commit that returned is recorded
 * with the server and timeline that took it, so a failover can be checked for lost writes.
 */
export function startWriteStream(target: WriteTarget, intervalMs = 20): WriteStream {
  const acked: AckedWrite[] = [];
  let refused = 0;
  let next = 1;
  let running = true;
  let client: Client | undefined;
  const loop = (async () => {
    while (running) {
      const value = next++;
      try {
        if (!client) {
          client = new Client({ ...target, connectionTimeoutMillis: 1_000, query_timeout: 3_000 });
          client.on('error', () => undefined);
          await client.connect();
        }
        const { rows } = await client.query<{ addr: string; port: number; timeline: number }>(
          `INSERT INTO ${WRITE_PROBE_TABLE} (v, port, timeline) SELECT $1, inet_server_port(), ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int RETURNING addr, port, timeline`,
          [value],
        );
        acked.push({ value, at: Date.now(), addr: rows[0]?.addr ?? '', port: rows[0]?.port ?? 0, timeline: rows[0]?.timeline ?? 0 });
      } catch {
        refused += 1;
        void client?.end().catch(() => undefined);
        client = undefined;
      }
      await sleep(intervalMs);
    }
  })();
  return {
    acked,
    get refused() {
      return refused;
    },
    async firstAckAfter(since, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = acked.find((w) => w.at > since);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no write was acknowledged within ${timeoutMs} ms after ${new Date(since).toISOString()}`);
        await sleep(20);
      }
    },
    async stop() {
      running = false;
      await loop;
      await client?.end().catch(() => undefined);
    },
  };
}

/** One row of the probe table: a write the stream made, committed (acknowledged or in flight when a server went away). */
export interface ProbeRow {
  value: number;
  addr: string;
  port: number;
  timeline: number;
}

/** Reads every committed probe row, in the order the stream made them (values count up, one write at a time). */
export const PROBE_ROWS_SQL = `SELECT v, addr, port, timeline FROM ${WRITE_PROBE_TABLE} ORDER BY v`;

export const toProbeRows = (rows: readonly Record<string, unknown>[]): ProbeRow[] => rows.map((r) => ({ value: Number(r.v), addr: String(r.addr), port: Number(r.port), timeline: Number(r.timeline) }));

export async function probeRows(pg: TestPostgres, server: PgMember): Promise<ProbeRow[]> {
  return toProbeRows(await pg.sql(server, PROBE_ROWS_SQL));
}

/** Who took a write: "address:port/timeline". */
export const takerOf = (write: Pick<ProbeRow, 'addr' | 'port' | 'timeline'>): string => `${write.addr}:${write.port}/${write.timeline}`;

/**
 * Who took the writes, in order: one "address:port/timeline" per run of consecutive writes on one server
 * and timeline. With one writer at a time each appears once (a server never takes writes again
 * after another did on a newer timeline) and timelines only grow; two servers taking writes at
 * once would interleave, and one entry would appear twice.
 */
export function writerRuns(rows: readonly ProbeRow[]): string[] {
  const runs: string[] = [];
  for (const row of rows) {
    const taker = takerOf(row);
    if (runs.at(-1) !== taker) runs.push(taker);
  }
  return runs;
}

/** writerRuns' two rules: no taker twice, timelines never going back. */
export function twoWritersAtOnce(rows: readonly ProbeRow[]): string[] {
  const runs = writerRuns(rows);
  const repeated = runs.filter((run, i) => runs.indexOf(run) !== i);
  const timelines = runs.map((run) => Number(run.split('/').at(-1)));
  const backwards = runs.filter((_, i) => i > 0 && (timelines[i] ?? 0) < (timelines[i - 1] ?? 0));
  return [...repeated.map((r) => `${r} took writes again after another server`), ...backwards.map((r) => `${r} wrote on an older timeline than the server before it`)];
}

/**
 * A Patroni cluster (leader and two synchronous replicas, role checks registered) on a Consul of
 * its own, the database HAProxy in front and the probe table made: what the failover tests write
 * through while they break things.
 */
export interface HaDatabase {
  consul: TestConsul;
  pg: TestPostgres;
  lb: TestLb;
  /** A stream of writes through the write listener, as `member`'s app role. */
  writeThroughLb(member: PgMember): WriteStream;
  stop(): Promise<void>;
}

export async function startHaDatabase(): Promise<HaDatabase> {
  const consul = await startTestConsul();
  const pg = await startTestPostgres({ consulAddr: consul.httpAddr, roleChecks: true, maxReplicaLagMs: 1_000 });
  const lb = await startTestLb(consul.httpAddr, 'db', { POSTGRES_MAX_REPLICA_LAG_MS: '1000' });
  await pg.sql(pg.cluster.primary, writeProbeDdl);
  const [host, port] = lb.addr.split(':');
  return {
    consul,
    pg,
    lb,
    writeThroughLb: (member) => startWriteStream({ ...pg.cluster.connection(member, 'app'), host: host ?? '127.0.0.1', port: Number(port) }),
    async stop() {
      await lb.stop();
      await pg.stop();
      await consul.stop();
    },
  };
}
