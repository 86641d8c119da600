import { join } from 'node:path';
import type { ClusterMembership } from '@platform/consul';
import { CLUSTER_NODE_NEEDS, kafkaNodeSettingsFrom, logStoreNodeSettingsFrom, type KafkaNodeSettings, type LogStoreNodeSettings } from './cluster-node-settings';
import type { PortNumbers, SettingsValues } from './settings-env';

/**
 * What one machine runs. `all` is the local platform on one machine; the others are the cloud
 * layout that terraform/ provisions from the packer/ image: Consul servers, service nodes (the
 * services with a Consul client, the internal and database HAProxy and Filebeat beside them),
 * edge nodes (the public HAProxy and the gateway's control plane that fills its maps), database
 * nodes (a Patroni and its PostgreSQL each), one monitoring node (Prometheus and Alertmanager,
 * a Consul client to find what to scrape), and the Kafka and log store clusters (a broker or an
 * OpenSearch member each, on a data volume).
 */
export const NODE_ROLES = ['all', 'consul-server', 'service', 'edge', 'database', 'monitoring', 'kafka', 'logstore'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/**
 * Which HAProxy each role runs: service nodes reach each other and the database through their own;
 * an edge node's internal one (loopback only) is where its gateway fetches the services' OpenAPI
 * documents for /docs, as under `platform up`.
 */
export const LB_ROLES: Record<NodeRole, readonly ('edge' | 'internal' | 'db')[]> = {
  all: ['internal', 'edge', 'db'],
  'consul-server': [],
  service: ['internal', 'db'],
  edge: ['internal', 'edge'],
  database: [],
  monitoring: [],
  kafka: [],
  logstore: [],
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
  kafka?: KafkaNodeSettings;
  logStore?: LogStoreNodeSettings;
}

/**
 * Services that run beside the edge HAProxy they feed (its maps folder and map socket are local
 * files) rather than on service nodes: the gateway's control plane.
 */
const EDGE_SERVICES: readonly string[] = ['gateway'];

/** Whether a service's instances run on nodes of `role`: the gateway on edge nodes, every other service on service nodes. */
export function runsOnRole(role: NodeRole, service: string): boolean {
  if (role === 'all') return true;
  return role === 'edge' ? EDGE_SERVICES.includes(service) : role === 'service' && !EDGE_SERVICES.includes(service);
}

/**
 * Variables a cloud node's services get from the node's environment file rather than from a
 * component on the same machine (the database, the broker and the log store run elsewhere).
 */
export const NODE_PASSTHROUGH = ['DB_WRITE_URL', 'DB_READ_URL', 'DB_PASSWORD_FILE', 'DB_TLS_CA_FILE', 'KAFKA_BROKERS', 'LOG_STORE_URL', 'GATEWAY_API_KEYS_FILE', 'GATEWAY_JWT_SECRET_FILE', 'GATEWAY_JWT_SETTINGS_FILE', 'TRACING_OTLP_URL', 'TRACING_SAMPLE_RATIO'] as const;

/** The variables each cluster role needs beyond the defaults; `all` (the local platform) needs none. */
const NEEDED: readonly (readonly [variable: keyof SettingsValues, needed: (role: NodeRole) => boolean])[] = [
  ['PLATFORM_BIND_ADDR', (role) => role !== 'all'],
  ['CONSUL_RETRY_JOIN', (role) => role !== 'all'],
  ['CONSUL_TOKENS_DIR', (role) => role !== 'all'],
  ['CONSUL_ENCRYPT_KEY_FILE', (role) => role !== 'all'],
  ['CONSUL_CA_FILE', (role) => role !== 'all'],
  ['CONSUL_CA_KEY_FILE', (role) => role === 'consul-server'],
  ['CONSUL_MANAGEMENT_TOKEN_FILE', (role) => role === 'consul-server'],
  ...(['kafka', 'logstore'] as const).flatMap((clusterRole) => CLUSTER_NODE_NEEDS[clusterRole].map((variable) => [variable, (role: NodeRole) => role === clusterRole] as const)),
];

/** What the node's role needs and the environment lacks (every problem, not the first). */
export function roleProblems(env: NodeJS.ProcessEnv, role: NodeRole): string[] {
  const problems = NEEDED.filter(([variable, needed]) => needed(role) && env[variable] === undefined).map(
    ([variable]) => `${variable}: must be set on ${role === 'edge' ? 'an' : 'a'} ${role} node`,
  );
  if (role === 'database' && (env.POSTGRES_TLS_CERT_FILE === undefined) !== (env.POSTGRES_TLS_KEY_FILE === undefined)) {
    problems.push('POSTGRES_TLS_CERT_FILE and POSTGRES_TLS_KEY_FILE: must be set together');
  }
  // The layout before Patroni named a primary and its replicas; Patroni elects the leader now.
  for (const stale of ['POSTGRES_PRIMARY_ADDR', 'POSTGRES_REPLICA_NAMES']) {
    if (env[stale]?.trim()) problems.push(`${stale}: no longer applies: Patroni elects the leader among the database nodes; remove it from the node's environment file`);
  }
  // Edge nodes take the JWT issuer, audience and tolerance from GATEWAY_JWT_SETTINGS_FILE (followed while running) only.
  if (role !== 'all') {
    for (const fixed of ['GATEWAY_JWT_ISSUER', 'GATEWAY_JWT_AUDIENCE', 'GATEWAY_JWT_CLOCK_TOLERANCE_MS']) {
      if (env[fixed]?.trim()) problems.push(`${fixed}: no longer applies on a node: put the JWT issuer, audience and clockToleranceMs in GATEWAY_JWT_SETTINGS_FILE; remove it from the node's environment file`);
    }
    if (env.GATEWAY_JWT_SECRET_FILE && !env.GATEWAY_JWT_SETTINGS_FILE) problems.push('GATEWAY_JWT_SETTINGS_FILE: must be set with GATEWAY_JWT_SECRET_FILE on a node (issuer, audience, clockToleranceMs)');
  }
  return problems;
}

/** The node's settings from checked values (roleProblems found nothing missing). */
export function nodeSettingsFrom(values: SettingsValues, nodeName: string, ports: PortNumbers): NodeSettings {
  const role = values.PLATFORM_ROLE;
  if (role === 'all') return { role };
  const tokensDir = values.CONSUL_TOKENS_DIR ?? '';
  const server = role === 'consul-server';
  const consul = {
    server,
    bootstrapExpect: values.CONSUL_BOOTSTRAP_EXPECT,
    retryJoin: values.CONSUL_RETRY_JOIN ?? [],
    clientAddr: values.CONSUL_CLIENT_ADDR,
    datacenter: values.CONSUL_DATACENTER,
    secrets: {
      encryptKeyFile: values.CONSUL_ENCRYPT_KEY_FILE ?? '',
      caFile: values.CONSUL_CA_FILE ?? '',
      caKeyFile: server ? values.CONSUL_CA_KEY_FILE : undefined,
      managementTokenFile: server ? values.CONSUL_MANAGEMENT_TOKEN_FILE : undefined,
      agentTokenFile: values.CONSUL_AGENT_TOKEN_FILE ?? join(tokensDir, 'agent'),
      tokensDir,
    },
  };
  const bindAddr = values.PLATFORM_BIND_ADDR;
  if (role === 'kafka') return { role, bindAddr, consul, kafka: kafkaNodeSettingsFrom(values, bindAddr, ports.kafkaController) };
  if (role === 'logstore') return { role, bindAddr, consul, logStore: logStoreNodeSettingsFrom(values, nodeName, bindAddr, ports.openSearchTransport) };
  if (role !== 'database') return { role, bindAddr, consul };
  const { POSTGRES_TLS_CERT_FILE: certFile, POSTGRES_TLS_KEY_FILE: keyFile } = values;
  const database: DatabaseNodeSettings = {
    name: nodeName,
    clientCidrs: values.POSTGRES_CLIENT_CIDRS,
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
  };
  return { role, bindAddr, consul, database };
}
