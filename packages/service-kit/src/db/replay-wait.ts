import { HttpProblem } from '../errors/http-errors';
import type { Queryable } from './database';
import { formatLsn, parseLsn } from './lsn';

const POLL_MS = 5;

/**
 * The caller's x-db-lsn lies beyond the primary's own position: the write it names is not in this
 * database's history (lost with a primary in a failover without a synchronous standby, or the value
 * is not from this database). Reading would answer as if that write never happened, so the request
 * is refused instead; reading again without the header shows the data as it is.
 */
export class WriteNotOnPrimaryError extends HttpProblem {
  constructor(required: bigint, current: bigint) {
    super(
      409,
      'Conflict',
      `The write this request must see (x-db-lsn ${formatLsn(required)}) is beyond the database primary's position (${formatLsn(current)}): it was lost in a failover, or the value is not from this database. Read without x-db-lsn to see the current data.`,
    );
  }
}

/**
 * Whether the server behind `client` has replayed `lsn`, waiting up to `waitMs` for it. Asked on
 * the connection the read will use, so the answer is about the very server that serves it,
 * whichever one a load balancer chose. A primary (what a read listener falls back to) has every
 * write of its history: one whose position is short of `lsn` throws WriteNotOnPrimaryError, as
 * after a failover that lost the write (LSNs from an old timeline never make a read wait on it).
 */
export async function hasReplayed(client: Queryable, lsn: bigint, waitMs: number): Promise<'at-once' | 'after-wait' | false> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt += 1) {
    const { rows } = await client.query<{ standby: boolean; replayed: string | null; current: string | null }>(
      'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed, CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current',
    );
    const row = rows[0];
    if (!row?.standby) {
      const current = parseLsn(row?.current);
      if (current !== undefined && current < lsn) throw new WriteNotOnPrimaryError(lsn, current);
      return 'at-once';
    }
    const replayed = parseLsn(row.replayed);
    if (replayed !== undefined && replayed >= lsn) return attempt === 0 ? 'at-once' : 'after-wait';
    if (Date.now() + POLL_MS > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
