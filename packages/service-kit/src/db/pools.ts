import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Pool } from 'pg';
import type { Logger } from '../logging/logger';

export interface PoolSettings {
  name: 'write' | 'read' | 'read-fallback';
  url: string;
  passwordFile?: string;
  /** Verify the server against this CA file over TLS (DB_TLS_CA_FILE); plain TCP without it. */
  tlsCaFile?: string;
  schema: string;
  max: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  /** Every transaction read-only, so a write sent here fails whichever server answers. */
  readOnly: boolean;
  applicationName: string;
}

/**
 * Where a postgresql:// URL points. pg lets a connection string override explicit settings,
 * password included, so the URL is taken apart here and the password file always wins.
 */
export function connectionFromUrl(url: string): { host: string; port: number; user: string; database: string } {
  const u = new URL(url);
  return { host: decodeURIComponent(u.hostname), port: Number(u.port || 5432), user: decodeURIComponent(u.username), database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) };
}

/** Read at every new connection, so a rotated password file needs no restart. */
export const passwordFrom = (file: string | undefined): (() => Promise<string>) | undefined => (file ? async () => (await readFile(file, 'utf8')).trim() : undefined);

/** pg's TLS settings for a CA file: the server's certificate and name (the URL's host) are verified. */
export const tlsFrom = (caFile: string | undefined): { ca: string } | undefined => (caFile ? { ca: readFileSync(caFile, 'utf8') } : undefined);

/**
 * One pg pool. Session settings travel in the startup packet (`options`), so they hold on every
 * server a load balancer may pick, with no extra round trip per connection.
 */
export function createPool(settings: PoolSettings, logger: Logger): Pool {
  const options = [`-c statement_timeout=${settings.statementTimeoutMs}`, `-c search_path=${settings.schema}`];
  if (settings.readOnly) options.push('-c default_transaction_read_only=on');
  const pool = new Pool({
    ...connectionFromUrl(settings.url),
    password: passwordFrom(settings.passwordFile),
    ssl: tlsFrom(settings.tlsCaFile),
    max: settings.max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    options: options.join(' '),
    application_name: settings.applicationName,
  });
  // An idle connection that breaks (server restarted) is dropped by the pool; without a listener
  // the 'error' event would end the process.
  pool.on('error', (err) => logger.warn('idle database connection failed; the pool replaces it', { pool: settings.name, error: err.message }));
  return pool;
}
