import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { waitFor } from '@platform/process-runner';
import { tlsFrom } from '@platform/service-kit';

async function inRecovery(url: string, password: string, tlsCaFile: string | undefined): Promise<boolean> {
  // Discrete settings: with a connection string, pg ignores a separate password option.
  const parsed = new URL(url);
  const client = new Client({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    password,
    ssl: tlsFrom(tlsCaFile),
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    return rows[0]?.standby === true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * HAProxy admits a database server only after its role check passed, so the listeners open a
 * moment after the controller starts; migrations and services wait for that here: the write
 * listener must reach the primary, the read listener some server.
 */
export async function waitForDbListeners(writeUrl: string, readUrl: string, passwordFile: string, tlsCaFile: string | undefined, timeoutMs = 30_000): Promise<void> {
  const password = readFileSync(passwordFile, 'utf8').trim();
  await waitFor(async () => (await inRecovery(writeUrl, password, tlsCaFile)) === false && (await inRecovery(readUrl, password, tlsCaFile).then(() => true)), {
    timeoutMs,
    intervalMs: 200,
    what: 'the database load balancer to serve writes from the primary and reads',
  });
}
