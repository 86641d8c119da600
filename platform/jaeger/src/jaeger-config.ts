/** What the trace store's config is made of; every address is loopback. */
export interface JaegerConfigOptions {
  /** OTLP over HTTP, where every instance sends its spans (TRACING_OTLP_URL); its host is loopback unless a monitoring node opens it to the VPC. */
  otlpHttpPort: number;
  otlpHost?: string;
  /** The query API (/api/traces/<id>, /api/services) and Jaeger's page. */
  queryPort: number;
  /** The search store's nodes (the platform's OpenSearch, or every node of LOG_STORE_URL's cluster). */
  storeUrls: readonly string[];
  /** Prefix of its daily indices: `<prefix>-jaeger-span-YYYY-MM-DD`. */
  indexPrefix: string;
  /** The store's user and the file with its password (0600), when the store asks for them. */
  username?: string;
  passwordFile?: string;
}

const URL_RE = /^https?:\/\/[A-Za-z0-9.\-[\]:]+(\/[A-Za-z0-9._~/-]*)?$/;
const PREFIX_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const IPV4_RE = /^(\d{1,3}\.){3}\d{1,3}$/;
const USER_RE = /^[A-Za-z0-9._@-]{1,128}$/;

/**
 * Jaeger v2's config (an OpenTelemetry Collector config): the OTLP/HTTP receiver, a batch
 * processor, the OpenSearch backend of jaeger_storage and the jaeger_query extension. Written as
 * JSON (YAML is a superset), values checked first so nothing odd reaches the file; the password
 * stays in its file, named by path. OTLP/gRPC, the query's gRPC port and the collector's own
 * metrics listener are off: nothing here listens beyond the two ports named.
 */
/** The daily index families Jaeger writes under a prefix: `<prefix>-jaeger-span-YYYY.MM.DD`, ... */
export const jaegerIndexPrefixes = (prefix: string): string[] => ['span', 'service', 'dependencies', 'sampling'].map((kind) => `${prefix}-jaeger-${kind}`);

export function renderJaegerConfig(options: JaegerConfigOptions): string {
  if (options.storeUrls.length === 0) throw new Error('trace store: no URL of a search store');
  for (const url of options.storeUrls) if (!URL_RE.test(url)) throw new Error(`trace store: ${JSON.stringify(url)} is not an http(s) URL of a search store`);
  if (!PREFIX_RE.test(options.indexPrefix)) throw new Error(`trace store: index prefix ${JSON.stringify(options.indexPrefix)} must be lower-case letters, digits, dot, dash or underscore`);
  const otlpHost = options.otlpHost ?? '127.0.0.1';
  if (!IPV4_RE.test(otlpHost)) throw new Error(`trace store: OTLP host ${JSON.stringify(otlpHost)} is not an IPv4 address`);
  if (options.username !== undefined && !USER_RE.test(options.username)) throw new Error('trace store: the store user name has characters a user name does not have');
  // YYYY.MM.DD, as the log store's daily indices: the platform's retention deletes both alike.
  const daily = { date_layout: '2006.01.02', rollover_frequency: 'day', shards: 1, replicas: 0 };
  const auth = options.username && options.passwordFile ? { basic: { username: options.username, password_file: options.passwordFile } } : undefined;
  const config = {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: { resource: { 'service.name': 'jaeger' }, metrics: { level: 'none' }, logs: { level: 'warn', encoding: 'json' } },
    },
    extensions: {
      jaeger_query: {
        storage: { traces: 'platform_store' },
        http: { endpoint: `127.0.0.1:${options.queryPort}` },
        grpc: { endpoint: '127.0.0.1:0' },
        // Jaeger would trace its own queries to OTLP/gRPC on :4317, which nothing here listens on.
        enable_tracing: false,
      },
      jaeger_storage: {
        backends: {
          platform_store: {
            opensearch: {
              server_urls: [...options.storeUrls],
              version: 7,
              // A store that is down at start (the monitoring node's, elsewhere) must not stop Jaeger: it retries per batch.
              disable_health_check: true,
              ...(auth ? { auth } : {}),
              indices: { index_prefix: options.indexPrefix, spans: daily, services: daily, dependencies: daily, sampling: daily },
            },
          },
        },
      },
    },
    receivers: { otlp: { protocols: { http: { endpoint: `${otlpHost}:${options.otlpHttpPort}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'platform_store' } },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
