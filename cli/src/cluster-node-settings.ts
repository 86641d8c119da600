import { isIPv4 } from 'node:net';
import { z } from 'zod';
import type { QuorumVoter } from '@platform/kafka';
import { ConfigError, env } from '@platform/service-kit';

/**
 * The cloud layout's Kafka and log store nodes (roles `kafka` and `logstore`): the settings each
 * member reads from its environment file, which terraform writes from addresses it fixed before
 * the machines exist (terraform/stateful.tf). Kept apart from node-role.ts, which wires them in.
 */

/** One KRaft member, broker and controller in one process, on the node's private address. */
export interface KafkaNodeSettings {
  /** `node.id`, 1..n: its place among KAFKA_CONTROLLER_VOTERS. */
  nodeId: number;
  /** The static quorum, every member (this one included); written `<id>@<address>:<controller port>`. */
  voters: QuorumVoter[];
  /** Every member formats its storage with this id; it never changes for the cluster's life. */
  clusterId: string;
  /** The node's data volume: the member keeps its folder (log segments, configuration, log) there. */
  dataDir: string;
  heapMb: number;
}

/** One OpenSearch member, finding its peers by their transport addresses. */
export interface LogStoreNodeSettings {
  /** `node.name`: the node's name (PLATFORM_NODE_NAME), as OPENSEARCH_INITIAL_MANAGERS lists it. */
  name: string;
  /** Transport addresses (`address:port`) of every member. */
  seedHosts: string[];
  /** Names of the members that vote the first election of an empty cluster. */
  initialManagers: string[];
  /** The node's data volume: the member keeps its folder (indices, configuration, log) there. */
  dataDir: string;
}

const VOTER = /^\d{1,4}@(?<addr>[\d.]+):(?<port>\d{1,5})$/;
const IPV4_PORT = /^(?<addr>[\d.]+):(?<port>\d{1,5})$/;
/** A comma list whose every entry matches `pattern`, with an IPv4 address and a port in range. */
const listOf = (pattern: RegExp, message: string) =>
  env.csvVar.pipe(
    z.array(
      z.string().refine((v) => {
        const groups = pattern.exec(v)?.groups;
        return groups?.addr !== undefined && isIPv4(groups.addr) && Number(groups.port) >= 1 && Number(groups.port) <= 65535;
      }, message),
    ),
  );

/** The variables of both roles, merged into the settings model (settings-env.ts). */
export const clusterNodeShape = {
  /** Where the node's data volume is mounted (first boot mounts it), under the state folder systemd lets it write. */
  PLATFORM_DATA_DIR: z.string().regex(/^\/[^\0\n]*$/, 'must be an absolute path').optional(),
  KAFKA_NODE_ID: env.integerVar(1, 9999).optional(),
  KAFKA_CONTROLLER_VOTERS: listOf(VOTER, 'must list <id>@<IPv4 address>:<port>, such as 1@10.0.1.10:9093').optional(),
  KAFKA_CLUSTER_ID: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'must be 22 characters of URL-safe base64 (16 bytes), the same on every member').optional(),
  KAFKA_HEAP_MB: env.integerVar(128, 65_536).default('384'),
  OPENSEARCH_SEED_HOSTS: listOf(IPV4_PORT, 'must list <IPv4 address>:<port>, such as 10.0.1.20:9300').optional(),
  OPENSEARCH_INITIAL_MANAGERS: env.csvVar.pipe(z.array(env.identifierVar)).optional(),
};

type ClusterNodeValues = z.infer<z.ZodObject<typeof clusterNodeShape>>;

/** The variables a `kafka` or `logstore` node must have (each named when missing). */
export const CLUSTER_NODE_NEEDS = {
  kafka: ['PLATFORM_DATA_DIR', 'KAFKA_NODE_ID', 'KAFKA_CONTROLLER_VOTERS', 'KAFKA_CLUSTER_ID'],
  logstore: ['PLATFORM_DATA_DIR', 'OPENSEARCH_SEED_HOSTS', 'OPENSEARCH_INITIAL_MANAGERS'],
} as const;

/**
 * A member must be one of its own quorum, at its own address and controller port, and a quorum
 * must be odd to keep a majority after a loss: checked on well-formed values, every problem at once.
 */
export function kafkaNodeSettingsFrom(values: ClusterNodeValues, bindAddr: string | undefined, controllerPort: number): KafkaNodeSettings {
  const voters = values.KAFKA_CONTROLLER_VOTERS ?? [];
  const nodeId = values.KAFKA_NODE_ID ?? 0;
  const problems: string[] = [];
  if (voters.length % 2 === 0) problems.push(`KAFKA_CONTROLLER_VOTERS: must list an odd number of members (3 or 5), not ${voters.length}`);
  const ids = voters.map((v) => v.split('@')[0]);
  const quorum = voters.map((v): QuorumVoter => {
    const [id = '', address = ''] = v.split('@');
    const at = address.lastIndexOf(':');
    return { nodeId: Number(id), host: address.slice(0, at), controllerPort: Number(address.slice(at + 1)) };
  });
  if (new Set(ids).size !== ids.length) problems.push('KAFKA_CONTROLLER_VOTERS: lists a node id twice');
  const own = `${nodeId}@${bindAddr ?? '?'}:${controllerPort}`;
  if (!voters.includes(own)) problems.push(`KAFKA_CONTROLLER_VOTERS: must list this node as ${own} (KAFKA_NODE_ID@PLATFORM_BIND_ADDR:KAFKA_CONTROLLER_PORT)`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { nodeId, voters: quorum, clusterId: values.KAFKA_CLUSTER_ID ?? '', dataDir: values.PLATFORM_DATA_DIR ?? '', heapMb: values.KAFKA_HEAP_MB };
}

/** A member's name must be among the managers it votes with, its transport address among the seed hosts. */
export function logStoreNodeSettingsFrom(values: ClusterNodeValues, name: string, bindAddr: string | undefined, transportPort: number): LogStoreNodeSettings {
  const seedHosts = values.OPENSEARCH_SEED_HOSTS ?? [];
  const initialManagers = values.OPENSEARCH_INITIAL_MANAGERS ?? [];
  const problems: string[] = [];
  const own = `${bindAddr ?? '?'}:${transportPort}`;
  if (!seedHosts.includes(own)) problems.push(`OPENSEARCH_SEED_HOSTS: must list this node as ${own} (PLATFORM_BIND_ADDR:OPENSEARCH_TRANSPORT_PORT)`);
  if (!initialManagers.includes(name)) problems.push(`OPENSEARCH_INITIAL_MANAGERS: must list this node's name, ${name} (PLATFORM_NODE_NAME)`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { name, seedHosts, initialManagers, dataDir: values.PLATFORM_DATA_DIR ?? '' };
}
