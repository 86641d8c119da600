import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { runner } from 'node-pg-migrate';
import { KitError } from '../errors/kit-errors';
import { isBrokenConnection, isReadOnlyViolation } from './db-errors';
import { jitteredBackoffMs, sleep } from '../util/backoff';
import { connectionFromUrl, passwordFrom, tlsFrom } from './pools';

export interface MigrationRun {
  /** The write URL: migrations change the schema, so they run on the primary. */
  url: string;
  passwordFile?: string;
  /** DB_TLS_CA_FILE: connect over TLS, verifying the server with it. */
  tlsCaFile?: string;
  /** The service's schema; its migrations table (pgmigrations) lives there too. */
  schema: string;
  /** services/<name>/migrations: versioned files `<timestamp>_<what>.sql` (Up and Down sections) or `.js` (up/down exports). */
  dir: string;
  direction?: 'up' | 'down';
  /** How many to apply (up: all pending by default) or revert (down: the last one by default). */
  count?: number;
  log?: (message: string) => void;
  /**
   * How long to keep trying while another run (another instance, another service) holds the lock,
   * or while the write path has no primary (a failover, a role check that flapped).
   */
  waitMs?: number;
}

const LOCKED = /another migration is already running/i;

/**
 * Worth another run besides a taken lock: the connection broke or reached a server that is no
 * longer the primary. The migrations run in one transaction, so a broken run left nothing behind;
 * a migration that fails by itself is not retried.
 */
const writePathFailed = (err: unknown): boolean => isBrokenConnection(err) || isReadOnlyViolation(err);
const lockTaken = (err: unknown): boolean => err instanceof Error && LOCKED.test(err.message);

/**
 * Applies or reverts a service's migrations with node-pg-migrate, which checks that applied
 * migrations are a prefix of the files (one inserted before applied ones is refused). Its lock
 * is one advisory lock for the whole database and it does not wait for it, so waiting is done
 * here: instances and services started together take turns.
 */
export async function runMigrations(run: MigrationRun): Promise<string[]> {
  if (!existsSync(run.dir)) throw new KitError('KIT_MIGRATIONS_MISSING', `no migrations folder at ${run.dir}`);
  const deadline = Date.now() + (run.waitMs ?? 30_000);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runOnce(run);
    } catch (err) {
      const failed = writePathFailed(err);
      if (!(failed || lockTaken(err)) || Date.now() > deadline) throw err;
      // Taking turns for the lock is normal at a start; a write path that failed is worth a line.
      if (failed) run.log?.(`migrations of schema ${run.schema} tried again: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(jitteredBackoffMs(attempt, { firstMs: 200, maxMs: 1_000 }));
    }
  }
}

async function runOnce(run: MigrationRun): Promise<string[]> {
  const password = await passwordFrom(run.passwordFile)?.();
  const client = new Client({ ...connectionFromUrl(run.url), password, ssl: tlsFrom(run.tlsCaFile), connectionTimeoutMillis: 5_000, application_name: `migrate:${run.schema}` });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const direction = run.direction ?? 'up';
    const applied = await runner({
      dbClient: client,
      dir: run.dir,
      direction,
      count: run.count ?? (direction === 'up' ? Infinity : 1),
      migrationsTable: 'pgmigrations',
      schema: run.schema,
      createSchema: true,
      migrationsSchema: run.schema,
      createMigrationsSchema: true,
      checkOrder: true,
      singleTransaction: true,
      log: run.log ?? (() => undefined),
    });
    return applied.map((m) => m.name);
  } finally {
    await client.end().catch(() => undefined);
  }
}
