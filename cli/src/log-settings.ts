import { DEFAULT_INDEX_PREFIX } from '@platform/opensearch';
import { envInt } from './env-number';

/**
 * Where the logging pipeline listens and how long it keeps lines. Every value comes from the
 * environment when set there, else from the default written here; there is no other source.
 * LOG_STORE_URL names an external store (an Elasticsearch 7.x cluster in production): the platform
 * then starts no OpenSearch of its own and Filebeat ships there.
 */
export interface LogSettings {
  externalStoreUrl?: string;
  openSearchHttpPort: number;
  openSearchTransportPort: number;
  openSearchHeap: string;
  filebeatHttpPort: number;
  indexPrefix: string;
  retentionDays: number;
}


export function loadLogSettings(): LogSettings {
  const heap = process.env.OPENSEARCH_HEAP ?? '512m';
  if (!/^\d+[mg]$/.test(heap)) throw new Error(`OPENSEARCH_HEAP must be a JVM size such as 512m or 1g, got ${JSON.stringify(heap)}`);
  return {
    externalStoreUrl: process.env.LOG_STORE_URL || undefined,
    openSearchHttpPort: envInt('OPENSEARCH_HTTP_PORT', 9200, 1, 65535),
    openSearchTransportPort: envInt('OPENSEARCH_TRANSPORT_PORT', 9300, 1, 65535),
    openSearchHeap: heap,
    filebeatHttpPort: envInt('FILEBEAT_HTTP_PORT', 5066, 1, 65535),
    indexPrefix: process.env.LOG_INDEX_PREFIX ?? DEFAULT_INDEX_PREFIX,
    retentionDays: envInt('LOG_RETENTION_DAYS', 7, 1, 3650),
  };
}

/** The store `platform logs` and the components talk to. */
export function logStoreUrl(settings: LogSettings = loadLogSettings()): string {
  return settings.externalStoreUrl ?? `http://127.0.0.1:${settings.openSearchHttpPort}`;
}
