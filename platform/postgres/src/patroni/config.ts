import { DB_ROLES, type ClusterSecrets } from '../secrets';
import { PlatformError } from '@platform/process-runner';
import { renderHba, type ServerTls } from '../hba';

/**
 * Leader-election timing, one set for every member, local and cloud (Patroni keeps it in the DCS
 * after bootstrap). Consul refuses session TTLs under 10 s and Patroni asks for ttl/2, so ttl is
 * at least 20. The session also carries each member's liveness check (see liveness-check.ts) and
 * its node's serfHealth: a lost member, or a lost cloud node, releases the lock within a check
 * interval or Consul's gossip failure detection (seconds), not the TTL. A leader cut off from
 * Consul demotes itself after retry_timeout, well before its session can expire (ttl/2 at the
 * earliest), so two primaries never hold writes at once; loop_wait + 2 * retry_timeout <= ttl is
 * Patroni's rule. retry_timeout 5 s outlasts a Consul server leader election on a LAN (a few
 * seconds), so a Raft election alone does not demote the leader. loop_wait 1 s: a member acts on
 * a released lock within a second.
 */
export const DCS_TIMING = { ttl: 20, loopWait: 1, retryTimeout: 5 } as const;

export interface PatroniMemberConfig {
  /** The cluster's name in Consul's KV (patroni/<scope>/...). */
  scope: string;
  /** The member's name: its folder, its slot name on the leader, application_name. */
  name: string;
  host: string;
  port: number;
  restPort: number;
  dataDir: string;
  binDir: string;
  /** Patroni's own password file for replication connections (it writes it). */
  pgpassFile: string;
  consulAddr: string;
  /** From CONSUL_HTTP_TOKEN_FILE where Consul has ACLs; absent otherwise. */
  consulToken?: string;
  /** Consul check ids tying the member's session to its liveness. */
  sessionChecks: readonly string[];
  secrets: ClusterSecrets;
  database: string;
  synchronous: boolean;
  sharedBuffers: string;
  maxConnections: number;
  /**
   * The other machines' networks (the cloud layout): the app role and replication may log in from
   * there, and pg_rewind runs as the replicator (the superuser logs in on its own machine only).
   */
  clientCidrs?: readonly string[];
  /** Certificate and key the server serves TLS with (files the server user reads); logins from clientCidrs then need it. */
  tls?: ServerTls;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const HOST = /^(\d{1,3}\.){3}\d{1,3}$/;

function validate(config: PatroniMemberConfig): void {
  for (const [what, value] of [['scope', config.scope], ['member name', config.name]] as const) {
    if (!NAME.test(value)) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `invalid Patroni ${what} ${JSON.stringify(value)}: lower-case letters, digits and '-', starting with a letter`);
  }
  if (!HOST.test(config.host)) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `invalid PostgreSQL host ${JSON.stringify(config.host)}: an IPv4 address`);
  for (const [what, port] of [['port', config.port], ['REST API port', config.restPort]] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `invalid ${what} ${port} for ${config.name}`);
  }
}

/** PostgreSQL settings every member runs with (Patroni adds its own replication settings). */
function parameters(config: PatroniMemberConfig): Record<string, string | number> {
  return {
    // TCP on loopback only: no socket file in /var/run, nothing outside the state folder.
    unix_socket_directories: '',
    max_connections: config.maxConnections,
    shared_buffers: config.sharedBuffers,
    password_encryption: 'scram-sha-256',
    // pg_rewind needs hint bits in the WAL to bring a former primary back as a replica.
    wal_log_hints: 'on',
    max_wal_senders: 10,
    max_replication_slots: 10,
    // A replica gone for long must not fill the primary's disk through its slot.
    max_slot_wal_keep_size: '1GB',
    hot_standby_feedback: 'on',
    // Frequent receiver feedback keeps the primary's view of replay positions fresh.
    wal_receiver_status_interval: '1s',
    log_line_prefix: '%m [%p] %q%u@%d ',
    ...(config.tls ? { ssl: 'on', ssl_cert_file: config.tls.certFile, ssl_key_file: config.tls.keyFile, ssl_min_protocol_version: 'TLSv1.2' } : {}),
  };
}

/**
 * Who Patroni logs in as for replication and pg_rewind. Members on other machines reach each other
 * over the network, where pg_hba admits only the replicator (over TLS when there is a certificate):
 * pg_rewind then runs as the replicator, which Patroni grants the file functions it needs at bootstrap.
 */
function authentication(config: PatroniMemberConfig): Record<'superuser' | 'replication' | 'rewind', Record<string, string>> {
  const password = (role: 'admin' | 'replicator'): string => config.secrets.password(role);
  const replication: Record<string, string> = { username: DB_ROLES.replicator, password: password('replicator') };
  if (config.tls) replication.sslmode = 'require';
  const networked = (config.clientCidrs ?? []).length > 0;
  return {
    superuser: { username: DB_ROLES.admin, password: password('admin') },
    replication,
    rewind: networked ? replication : { username: DB_ROLES.admin, password: password('admin') },
  };
}

/**
 * One member's Patroni configuration. JSON is YAML, so no YAML writer is needed; the file holds
 * passwords and the Consul token and is written 0600 for the server user only.
 */
export function renderPatroniConfig(config: PatroniMemberConfig): string {
  validate(config);
  const hba = renderHba({ host: config.host, clientCidrs: config.clientCidrs, database: config.database, tls: config.tls })
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const document = {
    scope: config.scope,
    namespace: '/patroni/',
    name: config.name,
    restapi: { listen: `${config.host}:${config.restPort}`, connect_address: `${config.host}:${config.restPort}`, authentication: config.secrets.restCredentials() },
    consul: { host: config.consulAddr, register_service: false, checks: [...config.sessionChecks], ...(config.consulToken ? { token: config.consulToken } : {}) },
    bootstrap: {
      dcs: {
        ttl: DCS_TIMING.ttl,
        loop_wait: DCS_TIMING.loopWait,
        retry_timeout: DCS_TIMING.retryTimeout,
        synchronous_mode: config.synchronous,
        postgresql: { use_pg_rewind: true, use_slots: true, parameters: parameters(config) },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, { auth: 'scram-sha-256' }],
    },
    postgresql: {
      listen: `${config.host}:${config.port}`,
      connect_address: `${config.host}:${config.port}`,
      data_dir: config.dataDir,
      bin_dir: config.binDir,
      pgpass: config.pgpassFile,
      authentication: authentication(config),
      parameters: parameters(config),
      pg_hba: hba,
      // A new replica must not wait for the leader's next spread checkpoint (minutes).
      basebackup: [{ checkpoint: 'fast' }],
    },
    // Patroni's watchdog needs /dev/watchdog; fencing here is the demotion on a lost lock.
    watchdog: { mode: 'off' },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
