/** OpenSearch's (and Elasticsearch's) three health colours. */
export const LOG_STORE_STATUSES = ['green', 'yellow', 'red'] as const;
export type LogStoreStatus = (typeof LOG_STORE_STATUSES)[number];

export interface LogStoreHealth {
  status: LogStoreStatus;
  nodes: number;
  unassignedShards: number;
}

export interface LogStoreAccess {
  /** The store's node URLs (LOG_STORE_URL may list a cluster's, comma-separated): asked in turn until one answers. */
  urls: readonly string[];
  /** Basic auth, when the store asks for it (LOG_STORE_USERNAME, the password from its file). */
  auth?: { username: string; password: string };
  timeoutMs?: number;
}

/**
 * GET /_cluster/health: green (every shard assigned), yellow (a replica unassigned: one more loss
 * loses data), red (a primary unassigned: its lines can be neither written nor searched). An
 * answer that is not one of those is an error, never a colour.
 */
export async function readLogStoreHealth(access: LogStoreAccess): Promise<LogStoreHealth> {
  let failure: unknown = new Error('no log store URL');
  for (const url of access.urls) {
    try {
      return await askHealth(url, access);
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}

async function askHealth(url: string, access: LogStoreAccess): Promise<LogStoreHealth> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (access.auth) headers.authorization = `Basic ${Buffer.from(`${access.auth.username}:${access.auth.password}`).toString('base64')}`;
  const res = await fetch(`${url.replace(/\/+$/, '')}/_cluster/health`, { headers, signal: AbortSignal.timeout(access.timeoutMs ?? 3_000) });
  if (!res.ok) throw new Error(`the log store answered ${res.status} to /_cluster/health`);
  const body = (await res.json()) as { status?: unknown; number_of_nodes?: unknown; unassigned_shards?: unknown };
  const status = LOG_STORE_STATUSES.find((s) => s === body.status);
  if (!status || typeof body.number_of_nodes !== 'number' || typeof body.unassigned_shards !== 'number') {
    throw new Error(`the log store's /_cluster/health answer is not a cluster health (status ${JSON.stringify(body.status)})`);
  }
  return { status, nodes: body.number_of_nodes, unassignedShards: body.unassigned_shards };
}
