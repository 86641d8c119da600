import { DB_ROLES } from './secrets';

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
  /** Networks beyond loopback that may log in and stream (a cloud node's private subnets). */
  clientCidrs?: readonly string[];
}

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
  if (input.upstream) {
    const { host, port, slot } = input.upstream;
    const conninfo = `host=${host} port=${port} user=${DB_ROLES.replicator} passfile=${input.pgpassFile} application_name=${input.name}`;
    lines.push(`primary_conninfo = ${quote(conninfo)}`, `primary_slot_name = ${quote(slot)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Password (SCRAM) logins over loopback and the given networks only; replication only for the replicator role. */
export function renderHba(clientCidrs: readonly string[] = []): string {
  const line = (type: string, database: string, user: string, address: string): string => `${type.padEnd(6)}  ${database.padEnd(11)}  ${user.padEnd(28)}  ${address.padEnd(14)} scram-sha-256`;
  const networks = ['127.0.0.1/32', ...clientCidrs];
  return [
    '# Written by @platform/postgres at every start.',
    '# TYPE  DATABASE     USER                          ADDRESS        METHOD',
    ...networks.map((cidr) => line('host', 'replication', DB_ROLES.replicator, cidr)),
    ...networks.map((cidr) => line('host', 'all', 'all', cidr)),
    line('host', 'all', 'all', '::1/128'),
    '',
  ].join('\n');
}
