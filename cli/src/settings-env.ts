import { z } from 'zod';
import { DEFAULT_INDEX_PREFIX } from '@platform/opensearch';
import { MAX_REPLICA_LAG_VAR, env, maxReplicaLagVar } from '@platform/service-kit';
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
}

/** Each port the platform listens on, with the variable that moves it: the port preflight reads this list. */
export const PORTS = {
  consulHttp: { variable: 'CONSUL_HTTP_PORT', fallback: 8500, min: -1, host: 'loopback' },
  consulServer: { variable: 'CONSUL_SERVER_PORT', fallback: 8300, min: -1, host: 'loopback' },
  consulSerfLan: { variable: 'CONSUL_SERF_LAN_PORT', fallback: 8301, min: -1, host: 'loopback' },
  consulDns: { variable: 'CONSUL_DNS_PORT', fallback: 8600, min: -1, host: 'loopback' },
  edge: { variable: 'EDGE_PORT', fallback: 8080, min: -1, host: 'edge' },
  edgeTls: { variable: 'EDGE_TLS_PORT', fallback: 8443, min: -1, host: 'edge' },
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
  postgres: { variable: 'POSTGRES_PORT', fallback: 5433, min: 0, host: 'loopback', perDatabaseServer: true },
  postgresRoleCheck: { variable: 'POSTGRES_ROLE_CHECK_PORT', fallback: 8433, min: 0, host: 'loopback', perDatabaseServer: true },
  postgresPatroni: { variable: 'POSTGRES_PATRONI_PORT', fallback: 8008, min: 0, host: 'loopback', perDatabaseServer: true },
} as const satisfies Record<string, PortSpec>;

export type PortName = keyof typeof PORTS;
export type PortNumbers = Record<PortName, number>;

const portShape = Object.fromEntries(
  Object.values(PORTS).map((p: PortSpec) => [p.variable, env.integerVar(p.min, p.perDatabaseServer ? 65_000 : 65535).default(String(p.fallback))]),
) as Record<string, z.ZodType<number, z.ZodTypeDef, string | undefined>>;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;
const filePath = z.string().min(1).optional();

export const settingsShape = {
  ...portShape,
  PLATFORM_STATE_DIR: z.string().min(1).optional(),
  PLATFORM_NODE_NAME: env.identifierVar.default('node-1'),
  /** Loopback unless set on purpose: the public entry. */
  EDGE_BIND_HOST: env.ipVar.default('127.0.0.1'),
  // Logs
  LOG_STORE_URL: z.string().url('must be a URL such as https://logs.example:9200').optional(),
  OPENSEARCH_HEAP: z.string().regex(/^\d+[mg]$/, 'must be a JVM size such as 512m or 1g').default('512m'),
  LOG_INDEX_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be lower-case letters, digits, dot, dash or underscore').default(DEFAULT_INDEX_PREFIX),
  LOG_RETENTION_DAYS: env.integerVar(1, 3650).default('7'),
  // Metrics and alerts
  MONITORING_BIND_HOST: env.ipVar.optional(),
  PROMETHEUS_SCRAPE_INTERVAL_S: env.integerVar(1, 300).default('5'),
  PROMETHEUS_RETENTION: z.string().regex(/^\d+[hdw]$/, 'must be a duration such as 36h, 7d or 2w').default('7d'),
  ALERT_GROUP_WAIT_S: env.integerVar(0, 600).default('10'),
  ALERTMANAGER_URL: z.string().url('must be a URL such as http://10.0.4.10:9095').optional(),
  /** Checked apart (monitoring-settings.ts): the value may carry a token and is never echoed. */
  ALERT_WEBHOOK_URL: z.string().optional(),
  ALERT_WEBHOOK_URL_FILE: filePath,
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
};

export type SettingsValues = z.infer<z.ZodObject<typeof settingsShape>>;

/** The port numbers among the parsed values, by name. */
export const portNumbers = (values: Record<string, unknown>): PortNumbers =>
  Object.fromEntries(Object.entries(PORTS).map(([name, p]) => [name, values[p.variable] as number])) as PortNumbers;
