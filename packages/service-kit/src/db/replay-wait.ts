import type { PoolClient } from 'pg';
import { parseLsn } from './lsn';

const POLL_MS = 5;

/**
 * Whether the server behind `client` has replayed `lsn`, waiting up to `waitMs` for it. A primary
 * (what a read listener falls back to) has every write. Asked on the connection the read will use,
 * so the answer is about the very server that serves it, whichever one a load balancer chose.
 */
export async function hasReplayed(client: PoolClient, lsn: bigint, waitMs: number): Promise<'at-once' | 'after-wait' | false> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt += 1) {
    const { rows } = await client.query<{ standby: boolean; replayed: string | null }>('SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed');
    const row = rows[0];
    if (!row?.standby) return 'at-once';
    const replayed = parseLsn(row.replayed);
    if (replayed !== undefined && replayed >= lsn) return attempt === 0 ? 'at-once' : 'after-wait';
    if (Date.now() + POLL_MS > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
