import type { PortNumbers, SettingsValues } from './settings-env';

/**
 * Where the logging pipeline listens and how long it keeps lines (variables in settings-env.ts).
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
  /** An external store's user and the file holding its password (LOG_STORE_USERNAME, LOG_STORE_PASSWORD_FILE). */
  storeUsername?: string;
  storePasswordFile?: string;
}

export function logSettingsFrom(values: SettingsValues, ports: PortNumbers): LogSettings {
  return {
    externalStoreUrl: values.LOG_STORE_URL,
    openSearchHttpPort: ports.openSearchHttp,
    openSearchTransportPort: ports.openSearchTransport,
    openSearchHeap: values.OPENSEARCH_HEAP,
    filebeatHttpPort: ports.filebeatHttp,
    indexPrefix: values.LOG_INDEX_PREFIX,
    retentionDays: values.LOG_RETENTION_DAYS,
    storeUsername: values.LOG_STORE_USERNAME,
    storePasswordFile: values.LOG_STORE_PASSWORD_FILE,
  };
}

/** The store `platform logs` and the components talk to. */
export function logStoreUrl(settings: LogSettings): string {
  return settings.externalStoreUrl ?? `http://127.0.0.1:${settings.openSearchHttpPort}`;
}
