import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { Counter, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../http/health';
import { inQuerySpan } from '../tracing/db-spans';
import { consistency } from './consistency';
import { isBrokenConnection, isReadOnlyViolation, writeOnReadPool } from './db-errors';
import { parseLsn } from './lsn';
import { hasReplayed } from './replay-wait';
import { jitteredBackoffMs, sleep } from '../util/backoff';

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface WritePool extends Queryable {
  /** BEGIN … COMMIT on one connection (ROLLBACK when `work` throws). */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** The two ways to the data: writes to the primary, reads to a replica that has what the request must see. */
export interface Database {
  readonly write: WritePool;
  readonly read: Queryable;
  readonly readiness: ReadinessCheck[];
  close(): Promise<void>;
}

export interface DatabasePools {
  write: Pool;
  read: Pool;
  /** Read-only connections to the primary, for reads a replica could not serve in time. */
  readFallback: Pool;
  readYourWritesWaitMs: number;
  registry: Registry;
}

/** `on`'s statements, each in a span of the request or event it serves (tracing/db-spans.ts). */
const traced = (on: Pool | PoolClient): Queryable => ({
  query: <R extends QueryResultRow>(text: string, values?: unknown[]) => inQuerySpan(text, () => on.query<R>(text, values)),
});

/**
 * How often a connection that cannot be made, or that breaks under a read, is tried again, after
 * the platform's jittered backoff (about 0.1, 0.2, 0.4 and 0.8 s: 1.5 s in all). The database
 * HAProxy has no primary for a moment when a role check briefly stops vouching for it (a starved
 * machine in CI: 0.75 s until the server was back and had passed its check) and at the end of a
 * switchover; one immediate retry met the same gap and the read answered 503.
 */
export const CONNECTION_RETRIES = 4;

/** Runs `attempt` again while it fails with `retryable`, up to CONNECTION_RETRIES times, counting each; the last failure is thrown. */
async function retrying<T>(attempt: () => Promise<T>, retryable: (err: unknown) => boolean, counted: () => void): Promise<T> {
  for (let failures = 1; ; failures += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (failures > CONNECTION_RETRIES || !retryable(err)) throw err;
      counted();
      await sleep(jitteredBackoffMs(failures, { firstMs: 100, maxMs: 800 }));
    }
  }
}

/**
 * The connection was refused or broke (no primary behind the load balancer for a moment, a server
 * gone): worth another try (a write only while nothing of it was sent). A timeout is not tried
 * again: it has waited as long as a caller should already.
 */
const brokeWithoutWaiting = (err: unknown): boolean => {
  const { code, message } = err instanceof Error ? (err as Error & { code?: string }) : { code: undefined, message: '' };
  return isBrokenConnection(err) && code !== 'ETIMEDOUT' && !/timeout/i.test(message);
};

/**
 * When each pool last answered a statement. The readiness check takes a recent answer as its
 * evidence instead of queueing a `SELECT 1` behind the requests that keep every connection busy:
 * under load that wait outlasted the check's timeout on both instances of orders at once (ha-clusters
 * e2e), and the load balancers had no server for work the database was doing.
 */
const answeredAt = new WeakMap<Pool, number>();
const RECENT_ANSWER_MS = 2_000;
const answeredRecently = (pool: Pool): boolean => Date.now() - (answeredAt.get(pool) ?? 0) < RECENT_ANSWER_MS;

async function withClient<T>(pool: Pool, work: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // The pool listens for errors only on idle clients. A checked-out one whose connection is cut
  // between two queries (a load balancer dropping a lagging replica, a server restart) emits
  // 'error', which would end the process; the next query on it fails and is handled below.
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    const result = await work(traced(client));
    answeredAt.set(pool, Date.now());
    client.removeListener('error', onError);
    client.release(broken);
    return result;
  } catch (err) {
    client.removeListener('error', onError);
    // A broken connection must not go back to the pool; a failed query leaves it usable.
    client.release(broken ?? (isBrokenConnection(err) ? (err as Error) : undefined));
    throw err;
  }
}

/** The primary's current WAL position, asked on a connection to the primary (`db.write`). */
export async function primaryWalLsn(primary: Queryable): Promise<bigint | undefined> {
  const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return parseLsn(rows[0]?.lsn);
}

/** Remembers the primary's position after a write, for this request's reads and its response header. */
async function noteWritePosition(client: Queryable): Promise<void> {
  if (!consistency.current()) return;
  const lsn = await primaryWalLsn(client);
  if (lsn !== undefined) consistency.noteWrite(lsn);
}

export function createDatabase(pools: DatabasePools): Database {
  const reads = new Counter({
    name: 'db_reads_total',
    help: 'Reads on db.read by where they were served: a replica at once, a replica after waiting for a write to replay, or the primary',
    labelNames: ['served_by'] as const,
    registers: [pools.registry],
  });
  const retries = new Counter({ name: 'db_read_retries_total', help: 'Reads sent again after their connection broke', registers: [pools.registry] });
  const writeRetries = new Counter({ name: 'db_write_retries_total', help: 'Writes tried again because their connection was refused or broke before anything was sent', registers: [pools.registry] });
  const replica = traced(pools.read);
  /**
   * A write is tried again only while nothing of it can have reached the primary: its connection
   * refused, or a pooled connection found cut (the load balancer shut it) by BEGIN. `sent` marks
   * the point after which a broken connection leaves its outcome unknown (a 503 saying so).
   */
  const writeRetrying = <T>(run: (sent: () => void) => Promise<T>): Promise<T> => {
    let sent = false;
    const attempt = (): Promise<T> => {
      sent = false;
      return run(() => {
        sent = true;
      });
    };
    return retrying(attempt, (err) => !sent && brokeWithoutWaiting(err), () => writeRetries.inc());
  };

  const readOnce = async <R extends QueryResultRow>(text: string, values: unknown[] | undefined): Promise<QueryResult<R>> => {
    const required = consistency.requiredLsn();
    if (required === undefined) {
      const result = await replica.query<R>(text, values);
      answeredAt.set(pools.read, Date.now());
      reads.inc({ served_by: 'replica' });
      return result;
    }
    const served = await withClient(pools.read, async (client) => {
      const replayed = await hasReplayed(client, required, pools.readYourWritesWaitMs);
      if (!replayed) return undefined;
      reads.inc({ served_by: replayed === 'at-once' ? 'replica' : 'replica-after-wait' });
      return client.query<R>(text, values);
    });
    if (served) return served;
    reads.inc({ served_by: 'primary' });
    // The primary has every write of its history; one short of the position is refused, not read.
    return withClient(pools.readFallback, async (client) => {
      await hasReplayed(client, required, 0);
      return client.query<R>(text, values);
    });
  };

  const write: WritePool = {
    query: <R extends QueryResultRow>(text: string, values?: unknown[]) =>
      writeRetrying((sent) =>
        withClient(pools.write, async (client) => {
          sent();
          const result = await client.query<R>(text, values);
          if (result.command !== 'SELECT') await noteWritePosition(client);
          return result;
        }),
      ),
    transaction: (work) =>
      writeRetrying((sent) =>
        withClient(pools.write, async (client) => {
          await client.query('BEGIN');
          sent();
          let result;
          try {
            result = await work(client);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
          await noteWritePosition(client);
          return result;
        }),
      ),
  };

  const read: Queryable = {
    async query<R extends QueryResultRow>(text: string, values?: unknown[]) {
      try {
        // A read changes nothing, so trying again on a fresh connection is safe.
        return await retrying(() => readOnce<R>(text, values), brokeWithoutWaiting, () => retries.inc());
      } catch (err) {
        throw isReadOnlyViolation(err) ? writeOnReadPool(err) : err;
      }
    },
  };

  return {
    write,
    read,
    readiness: [{ name: 'db', check: () => eitherPoolAnswers(pools.write, pools.read) }],
    async close() {
      await Promise.all([pools.write.end(), pools.read.end(), pools.readFallback.end()]);
    },
  };
}

/**
 * Ready while the write pool or the read pool answers (or answered a statement in the last
 * RECENT_ANSWER_MS). Requiring both took every instance out of the load balancers for the seconds
 * a failover or switchover has no primary, refusing the reads the replicas could serve (thousands
 * of 503s in the read-your-writes e2e); a write meanwhile fails on its own with a retryable 503.
 * With neither, the instance can do nothing useful and leaves.
 */
async function eitherPoolAnswers(...pools: readonly Pool[]): Promise<boolean> {
  if (pools.some(answeredRecently)) return true;
  // The first answer decides: a write pool hanging on a primary that is going away must not hold the
  // check past its timeout while the read pool has answered.
  try {
    return await Promise.any(pools.map(async (pool) => {
      if ((await pool.query('SELECT 1')).rowCount !== 1) throw new Error('no row');
      return true;
    }));
  } catch (err) {
    const reasons = err instanceof AggregateError ? err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))) : [String(err)];
    throw new Error(`neither the write nor the read pool answers: ${reasons.join('; ')}`);
  }
}
