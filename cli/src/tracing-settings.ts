import type { PortNumbers, SettingsValues } from './settings-env';

/**
 * Where the trace store listens (variables in settings-env.ts). Instances send OTLP to
 * `host:otlpPort` (loopback locally; a monitoring node's private address in the cloud, where the
 * other nodes' instances send to it); the query API stays on loopback. TRACING_OTLP_URL names a
 * store elsewhere: a node then starts none and its instances send there.
 */
export interface TracingSettings {
  host: string;
  otlpPort: number;
  queryPort: number;
  externalOtlpUrl?: string;
  /** Index prefix in the search store: `<prefix>-jaeger-span-YYYY.MM.DD`. */
  indexPrefix: string;
  /** The query API `platform trace` reads: JAEGER_QUERY_URL when set (another node's), else the local one. */
  queryUrl: string;
}

export function tracingSettingsFrom(values: SettingsValues, ports: PortNumbers, monitoringHost: string): TracingSettings {
  const queryUrl = values.JAEGER_QUERY_URL ?? `http://127.0.0.1:${ports.jaegerQuery}`;
  return { host: monitoringHost, otlpPort: ports.jaegerOtlp, queryPort: ports.jaegerQuery, externalOtlpUrl: values.TRACING_OTLP_URL, indexPrefix: 'platform-traces', queryUrl };
}
