import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import type { ClusterMembership } from '@platform/consul';
import { envInt } from './env-number';

/**
 * What one machine runs. `all` is the local platform on one machine; the others are the cloud
 * layout that terraform/ provisions from the packer/ image: Consul servers, service nodes (the
 * services with a Consul client, the internal and database HAProxy and Filebeat beside them),
 * edge nodes (the public HAProxy), database nodes (a Patroni and its PostgreSQL each), and one monitoring
 * node (Prometheus and Alertmanager, a Consul client to find what to scrape).
 */
export const NODE_ROLES = ['all', 'consul-server', 'service', 'edge', 'database', 'monitoring'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/** Which HAProxy each role runs: service nodes reach each other and the database through their own. */
export const LB_ROLES: Record<NodeRole, readonly ('edge' | 'internal' | 'db')[]> = {
  all: ['internal', 'edge', 'db'],
  'consul-server': [],
  service: ['internal', 'db'],
  edge: ['edge'],
  database: [],
  monitoring: [],
};

export interface DatabaseNodeSettings {
  /** This member's name: its folder, and its replication slot on the leader. */
  name: string;
  /** Private networks allowed to log in and to stream. */
  clientCidrs: string[];
  /** The server's TLS certificate and key files: logins from clientCidrs must then use TLS. */
  tls?: { certFile: string; keyFile: string };
}

/**
 * A cloud node's Consul secrets, as files the boot script placed from SSM (terraform's layout:
 * /<name>/consul/gossip-key, ca-cert, ca-key and management-token, tokens/<token-name>).
 */
export interface ConsulNodeSecrets {
  encryptKeyFile: string;
  caFile: string;
  /** consul-server nodes: the CA's key, to make their own server certificate at boot. */
  caKeyFile?: string;
  /** consul-server nodes: the ACL system's management token. */
  managementTokenFile?: string;
  agentTokenFile: string;
  /** One file per token name (acl-rules.ts): those of the node's role; a consul-server has them all, to create them. */
  tokensDir: string;
}

export interface NodeSettings {
  role: NodeRole;
  /** Cluster roles: the node's private address (Consul's serf and RPC, the database server). */
  bindAddr?: string;
  consul?: ClusterMembership & { datacenter: string; secrets: ConsulNodeSecrets };
  database?: DatabaseNodeSettings;
}

/**
 * Variables a cloud node's services get from the node's environment file rather than from a
 * component on the same machine (the database, the broker and the log store run elsewhere).
 */
export const NODE_PASSTHROUGH = ['DB_WRITE_URL', 'DB_READ_URL', 'DB_PASSWORD_FILE', 'DB_TLS_CA_FILE', 'KAFKA_BROKERS', 'LOG_STORE_URL', 'GATEWAY_API_KEYS_FILE', 'GATEWAY_JWT_SECRET_FILE'] as const;

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

function required(name: string, role: NodeRole): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} must be set on ${role === 'edge' ? 'an' : 'a'} ${role} node`);
  return value;
}

function ipv4(name: string, value: string): string {
  if (!isIPv4(value)) throw new Error(`${name} must be an IPv4 address, got ${JSON.stringify(value)}`);
  return value;
}

/** The Consul secret files every cluster node needs, and the CA key and management token on servers. */
function consulSecrets(role: NodeRole): ConsulNodeSecrets {
  const tokensDir = required('CONSUL_TOKENS_DIR', role);
  const server = role === 'consul-server';
  return {
    encryptKeyFile: required('CONSUL_ENCRYPT_KEY_FILE', role),
    caFile: required('CONSUL_CA_FILE', role),
    caKeyFile: server ? required('CONSUL_CA_KEY_FILE', role) : undefined,
    managementTokenFile: server ? required('CONSUL_MANAGEMENT_TOKEN_FILE', role) : undefined,
    agentTokenFile: process.env.CONSUL_AGENT_TOKEN_FILE?.trim() || join(tokensDir, 'agent'),
    tokensDir,
  };
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

/** Reads PLATFORM_ROLE and what that role needs; a missing or malformed value names its variable. */
export function loadNodeSettings(nodeName: string): NodeSettings {
  const role = (process.env.PLATFORM_ROLE?.trim() || 'all') as NodeRole;
  if (!NODE_ROLES.includes(role)) throw new Error(`PLATFORM_ROLE must be one of ${NODE_ROLES.join(', ')}, got ${JSON.stringify(process.env.PLATFORM_ROLE)}`);
  if (role === 'all') return { role };

  const bindAddr = ipv4('PLATFORM_BIND_ADDR', required('PLATFORM_BIND_ADDR', role));
  const retryJoin = list(required('CONSUL_RETRY_JOIN', role));
  const consul = {
    server: role === 'consul-server',
    bootstrapExpect: envInt('CONSUL_BOOTSTRAP_EXPECT', 3, 1, 7),
    retryJoin,
    clientAddr: ipv4('CONSUL_CLIENT_ADDR', process.env.CONSUL_CLIENT_ADDR?.trim() || '127.0.0.1'),
    datacenter: process.env.CONSUL_DATACENTER?.trim() || 'dc1',
    secrets: consulSecrets(role),
  };
  if (role !== 'database') return { role, bindAddr, consul };

  const clientCidrs = list(process.env.POSTGRES_CLIENT_CIDRS);
  const bad = clientCidrs.find((c) => !CIDR.test(c));
  if (bad) throw new Error(`POSTGRES_CLIENT_CIDRS must list IPv4 networks such as 10.0.0.0/16, got ${JSON.stringify(bad)}`);
  // The layout before Patroni named a primary and its replicas; Patroni elects the leader now.
  const stale = ['POSTGRES_PRIMARY_ADDR', 'POSTGRES_REPLICA_NAMES'].filter((name) => process.env[name]?.trim());
  if (stale.length > 0) throw new Error(`${stale.join(' and ')} no longer ${stale.length > 1 ? 'apply' : 'applies'}: Patroni elects the leader among the database nodes; remove them from the node's environment file`);
  const database: DatabaseNodeSettings = { name: nodeName, clientCidrs, tls: serverTls() };
  return { role, bindAddr, consul, database };
}

/** POSTGRES_TLS_CERT_FILE and POSTGRES_TLS_KEY_FILE come together (the cloud layout) or not at all. */
function serverTls(): DatabaseNodeSettings['tls'] {
  const certFile = process.env.POSTGRES_TLS_CERT_FILE?.trim();
  const keyFile = process.env.POSTGRES_TLS_KEY_FILE?.trim();
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('POSTGRES_TLS_CERT_FILE and POSTGRES_TLS_KEY_FILE must be set together');
  return { certFile, keyFile };
}
