import { z } from 'zod';
import { DEFAULT_INDEX_PREFIX } from '@platform/opensearch';
import { MAX_REPLICA_LAG_VAR, env, maxReplicaLagVar, tracingConfigShape } from '@platform/service-kit';
import { clusterNodeShape } from './cluster-node-settings';
import { NODE_ROLES } from './node-role';

/**
 * Every variable the `platform` command reads, declared once with its type and default. The
 * environment is the only source: a variable set (and not empty) wins over the default written
 * here. All are checked together, so one run names every problem.
 */

/** Where a port listens: loopback, the edge's bind host (EDGE_BIND_HOST), or the monitoring host. */
type PortHost = 'loopback' | 'edge' | 'monitoring';

interface PortSpec {
  variable: string;
  fallback: number;
  /** -1 disables the listener, 0 picks a free port at every start (where allowed). */
  min: -1 | 0 | 1;
  host: PortHost;
  /** The first of one port per PostgreSQL server (1 + POSTGRES_REPLICAS), so it stops below 65535. */
  perDatabaseServer?: true;
  /** Only when the platform runs its own log store (LOG_STORE_URL unset). */
  ownLogStoreOnly?: true;
  /** Only when the platform runs its own trace store (TRACING_OTLP_URL unset). */
  ownTraceStoreOnly?: true;
}

/** Each port the platform listens on, with the variable that moves it: the port preflight reads this list. */
export const PORTS = {
  consulHttp: { variable: 'CONSUL_HTTP_PORT', fallback: 8500, min: -1, host: 'loopback' },
  consulServer: { variable: 'CONSUL_SERVER_PORT', fallback: 8300, min: -1, host: 'loopback' },
  consulSerfLan: { variable: 'CONSUL_SERF_LAN_PORT', fallback: 8301, min: -1, host: 'loopback' },
  consulDns: { variable: 'CONSUL_DNS_PORT', fallback: 8600, min: -1, host: 'loopback' },
  edge: { variable: 'EDGE_PORT', fallback: 8080, min: -1, host: 'edge' },
  edgeTls: { variable: 'EDGE_TLS_PORT', fallback: 8443, min: -1, host: 'edge' },
  // The edge HAProxy's peers listener (edge nodes find each other in Consul); -1, the default: one edge, no peers.
  edgePeers: { variable: 'EDGE_PEER_PORT', fallback: -1, min: -1, host: 'loopback' },
  internalLb: { variable: 'INTERNAL_LB_PORT', fallback: 8081, min: -1, host: 'loopback' },
  dbLbWrite: { variable: 'DB_LB_WRITE_PORT', fallback: 6432, min: -1, host: 'loopback' },
  dbLbRead: { variable: 'DB_LB_READ_PORT', fallback: 6433, min: -1, host: 'loopback' },
  kafka: { variable: 'KAFKA_PORT', fallback: 9092, min: -1, host: 'loopback' },
  kafkaController: { variable: 'KAFKA_CONTROLLER_PORT', fallback: 9093, min: -1, host: 'loopback' },
  openSearchHttp: { variable: 'OPENSEARCH_HTTP_PORT', fallback: 9200, min: 1, host: 'loopback', ownLogStoreOnly: true },
  openSearchTransport: { variable: 'OPENSEARCH_TRANSPORT_PORT', fallback: 9300, min: 1, host: 'loopback', ownLogStoreOnly: true },
  filebeatHttp: { variable: 'FILEBEAT_HTTP_PORT', fallback: 5066, min: 1, host: 'loopback' },
  prometheus: { variable: 'PROMETHEUS_PORT', fallback: 9090, min: 1, host: 'monitoring' },
  // 9093, Alertmanager's usual port, is the local Kafka controller's.
  alertmanager: { variable: 'ALERTMANAGER_PORT', fallback: 9095, min: 1, host: 'monitoring' },
  // The ops console (docs/console.md), served by the supervisor.
  console: { variable: 'CONSOLE_PORT', fallback: 9096, min: -1, host: 'loopback' },
  // The trace store (Jaeger): OTLP/HTTP from every instance, and its query API (loopback only).
  jaegerOtlp: { variable: 'JAEGER_OTLP_PORT', fallback: 4318, min: 1, host: 'monitoring', ownTraceStoreOnly: true },
  jaegerQuery: { variable: 'JAEGER_QUERY_PORT', fallback: 16686, min: 1, host: 'loopback', ownTraceStoreOnly: true },
  postgres: { variable: 'POSTGRES_PORT', fallback: 5433, min: 0, host: 'loopback', perDatabaseServer: true },
  postgresRoleCheck: { variable: 'POSTGRES_ROLE_CHECK_PORT', fallback: 8433, min: 0, host: 'loopback', perDatabaseServer: true },
  postgresPatroni: { variable: 'POSTGRES_PATRONI_PORT', fallback: 8008, min: 0, host: 'loopback', perDatabaseServer: true },
} as const satisfies Record<string, PortSpec>;

export type PortName = keyof typeof PORTS;
export type PortNumbers = Record<PortName, number>;

const portShape = Object.fromEntries(
  Object.values(PORTS).map((p: PortSpec) => [p.variable, env.portInRangeVar(p.min, p.perDatabaseServer ? 65_000 : 65535).default(String(p.fallback))]),
) as Record<string, z.ZodType<number, z.ZodTypeDef, string | undefined>>;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;
const filePath = z.string().min(1).optional();

export const settingsShape = {
  ...portShape,
  PLATFORM_STATE_DIR: z.string().min(1).optional(),
  PLATFORM_NODE_NAME: env.identifierVar.default('node-1'),
  // Releases and deploys (docs/deploys.md)
  PLATFORM_RELEASES_DIR: z.string().min(1).optional(),
  PLATFORM_RELEASES_KEEP: env.integerVar(2, 1000).default('5'),
  /** Loopback unless set on purpose: the public entry. */
  EDGE_BIND_HOST: env.ipVar.default('127.0.0.1'),
  /** The operator's edge certificate (the cloud); unset: the platform's local CA makes one. The edge controller checks the pair. */
  EDGE_TLS_CERT_FILE: filePath,
  EDGE_TLS_KEY_FILE: filePath,
  // Service instances: the OS account each runs as when started as root, which ones a cloud node runs, who may route what
  /** Short enough that `<prefix>-<8 hex>` stays within useradd's 32 characters. */
  PLATFORM_SERVICE_USER: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_-]{0,22}$/, 'must be a lower-case letter or _, then letters, digits, _ or -, at most 23 characters (it prefixes one OS account per service)')
    .default('platform-svc'),
  PLATFORM_SERVICES: env.csvVar.pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]*=\d{1,2}$/, 'must list <service>=<count> pairs such as users=2,orders=2'))).optional(),
  GATEWAY_ROUTE_GRANTS_FILE: filePath,
  // Logs
  /** One URL, or every node of a cluster comma-separated; kept as the comma-joined text. */
  LOG_STORE_URL: env.csvVar
    .pipe(z.array(z.string().url('must be URLs such as https://logs.example:9200, comma-separated for a cluster')).min(1, 'must name at least one URL'))
    .transform((urls) => urls.join(','))
    .optional(),
  OPENSEARCH_HEAP: z.string().regex(/^\d+[mg]$/, 'must be a JVM size such as 512m or 1g').default('512m'),
  LOG_INDEX_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be lower-case letters, digits, dot, dash or underscore').default(DEFAULT_INDEX_PREFIX),
  LOG_RETENTION_DAYS: env.integerVar(1, 3650).default('7'),
  /** An external store's user (LOG_STORE_URL); its password only ever in a file. */
  LOG_STORE_USERNAME: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be printable characters without spaces').optional(),
  LOG_STORE_PASSWORD_FILE: filePath,
  // Metrics and alerts
  MONITORING_BIND_HOST: env.ipVar.optional(),
  PROMETHEUS_SCRAPE_INTERVAL_S: env.integerVar(1, 300).default('5'),
  PROMETHEUS_RETENTION: z.string().regex(/^\d+[hdw]$/, 'must be a duration such as 36h, 7d or 2w').default('7d'),
  ALERT_GROUP_WAIT_S: env.integerVar(0, 600).default('10'),
  ALERTMANAGER_URL: z.string().url('must be a URL such as http://10.0.4.10:9095').optional(),
  /** Checked apart (monitoring-settings.ts): the value may carry a token and is never echoed. */
  ALERT_WEBHOOK_URL: z.string().optional(),
  ALERT_WEBHOOK_URL_FILE: filePath,
  // Alerts to people (alert-receivers-settings.ts checks the files and that email is complete)
  ALERT_SLACK_WEBHOOK_URL_FILE: filePath,
  ALERT_SLACK_CHANNEL: z.string().regex(/^[#@][A-Za-z0-9._-]{1,80}$/, 'must be a channel (#alerts) or a user (@name)').optional(),
  ALERT_EMAIL_TO: env.csvVar.pipe(z.array(z.string().email('must be e-mail addresses, comma-separated')).min(1)).optional(),
  ALERT_EMAIL_FROM: z.string().email('must be an e-mail address').optional(),
  ALERT_SMTP_SMARTHOST: z.string().regex(/^[A-Za-z0-9.-]{1,253}:\d{1,5}$/, 'must be host:port, such as smtp.example.com:587').optional(),
  ALERT_SMTP_USERNAME: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be printable characters without spaces').optional(),
  ALERT_SMTP_PASSWORD_FILE: filePath,
  ALERT_SMTP_REQUIRE_TLS: env.booleanVar.default('true'),
  // Traces: a store elsewhere (the monitoring node's, from another node) and the share of traces started in a service that are kept
  ...tracingConfigShape,
  JAEGER_QUERY_URL: z.string().url('must be a URL such as http://127.0.0.1:16686').optional(),
  // High availability on one machine (platform up --ha): the stateful parts as clusters, one member per address
  PLATFORM_HA: env.booleanVar.default('off'),
  PLATFORM_HA_ADDRESSES: env.csvVar
    .pipe(z.array(z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'must list loopback addresses (127.x.y.z)')).min(3, 'must list at least three addresses'))
    .default('127.0.0.2,127.0.0.3,127.0.0.4'),
  // Database
  POSTGRES_REPLICAS: env.integerVar(0, 8).default('2'),
  [MAX_REPLICA_LAG_VAR]: maxReplicaLagVar,
  POSTGRES_SYNCHRONOUS: env.booleanVar.default('on'),
  // A cloud node's role (node-role.ts says which role needs which)
  PLATFORM_ROLE: z.enum(NODE_ROLES, { errorMap: () => ({ message: `must be one of ${NODE_ROLES.join(', ')}` }) }).default('all'),
  PLATFORM_BIND_ADDR: env.ipv4Var.optional(),
  CONSUL_RETRY_JOIN: env.csvVar.optional(),
  CONSUL_BOOTSTRAP_EXPECT: env.integerVar(1, 7).default('3'),
  CONSUL_CLIENT_ADDR: env.ipv4Var.default('127.0.0.1'),
  CONSUL_DATACENTER: env.identifierVar.default('dc1'),
  CONSUL_TOKENS_DIR: filePath,
  CONSUL_ENCRYPT_KEY_FILE: filePath,
  CONSUL_CA_FILE: filePath,
  CONSUL_CA_KEY_FILE: filePath,
  CONSUL_MANAGEMENT_TOKEN_FILE: filePath,
  CONSUL_AGENT_TOKEN_FILE: filePath,
  POSTGRES_CLIENT_CIDRS: env.csvVar.pipe(z.array(z.string().regex(CIDR, 'must list IPv4 networks such as 10.0.0.0/16'))).default(''),
  POSTGRES_TLS_CERT_FILE: filePath,
  POSTGRES_TLS_KEY_FILE: filePath,
  // Kafka and log store nodes
  ...clusterNodeShape,
};

export type SettingsValues = z.infer<z.ZodObject<typeof settingsShape>>;

/** The port numbers among the parsed values, by name. */
export const portNumbers = (values: Record<string, unknown>): PortNumbers =>
  Object.fromEntries(Object.entries(PORTS).map(([name, p]) => [name, values[p.variable] as number])) as PortNumbers;
