import { DB_ROLES } from './secrets';
import { PlatformError } from '@platform/process-runner';

export interface ServerConfigInput {
  /** Server name (pg-0, pg-1, ...), shown in ps titles and as application_name to the primary. */
  name: string;
  host: string;
  port: number;
  /** Present on a replica: the primary it streams from and its slot there. */
  upstream?: { host: string; port: number; slot: string };
  pgpassFile: string;
  sharedBuffers: string;
  maxConnections: number;
  /** Networks beyond this machine whose app role may log in and whose replicas may stream (a cloud node's private subnets). */
  clientCidrs?: readonly string[];
  /** The application database: the one the app role may reach from those networks. */
  database: string;
  /** Certificate and key (PEM files) to serve TLS with; given, logins from the networks must use it. */
  tls?: ServerTls;
}

export interface ServerTls {
  certFile: string;
  keyFile: string;
}

/** Names of the certificate and key inside the data dir, copied there at every start (owned by the server user). */
export const TLS_FILES = { cert: 'server.crt', key: 'server.key' } as const;

/** Physical replication slot names allow only lower-case letters, digits and underscores. */
export const slotName = (server: string): string => `slot_${server.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;

const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * Settings rewritten at every start (platform.conf, included from postgresql.conf), so ports and
 * the primary's address follow the platform's configuration while the data stays.
 */
export function renderServerConf(input: ServerConfigInput): string {
  const lines = [
    '# Written by @platform/postgres at every start; edit the platform, not this file.',
    `cluster_name = ${quote(input.name)}`,
    `listen_addresses = ${quote(input.host)}`,
    `port = ${input.port}`,
    // TCP on loopback only: no socket file in /var/run, nothing outside the state folder.
    "unix_socket_directories = ''",
    `max_connections = ${input.maxConnections}`,
    `shared_buffers = ${quote(input.sharedBuffers)}`,
    "password_encryption = 'scram-sha-256'",
    "wal_level = 'replica'",
    'max_wal_senders = 10',
    'max_replication_slots = 10',
    // A replica gone for long must not fill the primary's disk through its slot.
    "max_slot_wal_keep_size = '1GB'",
    'hot_standby = on',
    'hot_standby_feedback = on',
    // Frequent receiver feedback keeps the primary's view of replay positions fresh.
    "wal_receiver_status_interval = '1s'",
    "log_line_prefix = '%m [%p] %q%u@%d '",
    'log_connections = off',
  ];
  if (input.tls) {
    lines.push('ssl = on', `ssl_cert_file = ${quote(TLS_FILES.cert)}`, `ssl_key_file = ${quote(TLS_FILES.key)}`, "ssl_min_protocol_version = 'TLSv1.2'");
  }
  if (input.upstream) {
    const { host, port, slot } = input.upstream;
    // With TLS the primary accepts replication from other machines over TLS only (hostssl).
    const sslmode = input.tls ? ' sslmode=require' : '';
    const conninfo = `host=${host} port=${port} user=${DB_ROLES.replicator} passfile=${input.pgpassFile} application_name=${input.name}${sslmode}`;
    lines.push(`primary_conninfo = ${quote(conninfo)}`, `primary_slot_name = ${quote(slot)}`);
  }
  return `${lines.join('\n')}\n`;
}

const LOOPBACK = ['127.0.0.1/32', '::1/128'];
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const HBA_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'replication']);

/**
 * Who may log in, all by password (SCRAM); the first matching line decides, and no line is a refusal.
 * - This machine (loopback, and the server's own address when it listens on another): every role,
 *   the superuser only here. The platform's bootstrap, readiness probe and role check connect so.
 * - The client networks: the replicator role for replication, the app role for its own database,
 *   nothing else; over TLS only (hostssl) when the server has a certificate.
 */
export function renderHba(input: Pick<ServerConfigInput, 'host' | 'clientCidrs' | 'database' | 'tls'>): string {
  const line = (type: string, database: string, user: string, address: string): string => `${type.padEnd(7)}  ${database.padEnd(11)}  ${user.padEnd(16)}  ${address.padEnd(18)}  scram-sha-256`;
  if (!DATABASE_NAME.test(input.database) || HBA_KEYWORDS.has(input.database)) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `invalid database name ${JSON.stringify(input.database)}`);
  const bad = input.clientCidrs?.find((cidr) => !IPV4_CIDR.test(cidr));
  if (bad !== undefined) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `client networks must be IPv4 CIDRs such as 10.0.0.0/16, got ${JSON.stringify(bad)}`);
  const own = input.host === '127.0.0.1' ? [] : [`${input.host}/32`];
  const local = [...LOOPBACK, ...own];
  const network = input.tls ? 'hostssl' : 'host';
  const cidrs = input.clientCidrs ?? [];
  return [
    '# Written by @platform/postgres at every start.',
    `# ${'TYPE'.padEnd(7)}  ${'DATABASE'.padEnd(11)}  ${'USER'.padEnd(16)}  ${'ADDRESS'.padEnd(18)}  METHOD`,
    ...local.map((address) => line('host', 'all', 'all', address)),
    ...local.map((address) => line('host', 'replication', DB_ROLES.replicator, address)),
    ...cidrs.map((cidr) => line(network, 'replication', DB_ROLES.replicator, cidr)),
    ...cidrs.map((cidr) => line(network, input.database, DB_ROLES.app, cidr)),
    '',
  ].join('\n');
}
