import type { Pool } from 'pg';
import { parseLsn } from '@platform/service-kit';

/** What a server says about itself in one round trip. */
export interface LocalObservation {
  inRecovery: boolean;
  /** Primary: pg_current_wal_lsn(). */
  currentLsn?: bigint;
  /** Replica: pg_last_wal_replay_lsn() and pg_last_wal_receive_lsn(). */
  replayLsn?: bigint;
  receiveLsn?: bigint;
  replayPaused: boolean;
  /** Replica: the server it streams from, as its WAL receiver reports it. */
  upstream?: { host: string; port: number };
  receiverStatus?: string;
}

// CASE keeps the primary-only and standby-only functions from being called where they raise.
const LOCAL_SQL = `
SELECT pg_is_in_recovery() AS in_recovery,
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       pg_last_wal_receive_lsn()::text AS receive_lsn,
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS replay_paused,
       r.sender_host, r.sender_port, r.status AS receiver_status
  FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true`;

interface LocalRow {
  in_recovery: boolean;
  current_lsn: string | null;
  replay_lsn: string | null;
  receive_lsn: string | null;
  replay_paused: boolean;
  sender_host: string | null;
  sender_port: number | null;
  receiver_status: string | null;
}

export async function observeLocal(pool: Pool): Promise<LocalObservation> {
  const row = (await pool.query<LocalRow>(LOCAL_SQL)).rows[0];
  if (!row) throw new Error('the server returned no row for its own state');
  return {
    inRecovery: row.in_recovery,
    currentLsn: parseLsn(row.current_lsn),
    replayLsn: parseLsn(row.replay_lsn),
    receiveLsn: parseLsn(row.receive_lsn),
    replayPaused: row.replay_paused,
    upstream: row.sender_host && row.sender_port ? { host: row.sender_host, port: row.sender_port } : undefined,
    receiverStatus: row.receiver_status ?? undefined,
  };
}

/** The upstream's WAL position, only if it is (still) a primary. */
export async function observePrimaryLsn(pool: Pool): Promise<bigint | undefined> {
  const row = (await pool.query<{ in_recovery: boolean; lsn: string | null }>('SELECT pg_is_in_recovery() AS in_recovery, CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn')).rows[0];
  return row && !row.in_recovery ? parseLsn(row.lsn) : undefined;
}
