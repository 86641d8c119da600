import { Client } from 'pg';

export interface ConnectionSpec {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** One short-lived connection for administrative work (bootstrap, slots, probes from tests). */
export async function withConnection<T>(spec: ConnectionSpec, work: (client: Client) => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const client = new Client({ ...spec, connectionTimeoutMillis: timeoutMs, application_name: 'platform-postgres' });
  // An error after connect (server shut down mid-query) surfaces through the query; this keeps it
  // from also crashing the process as an unhandled 'error' event.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
