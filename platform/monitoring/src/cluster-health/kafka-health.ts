import type { messaging } from '@platform/service-kit';

/** The part of the Kafka admin client this reads: topic names and the cluster's metadata. */
export type MetadataAdmin = Pick<ReturnType<typeof messaging.createAdmin>, 'listTopics' | 'metadata'>;

export interface KafkaHealth {
  /** Brokers registered with the controller (a fenced or dead broker is not listed). */
  brokers: number;
  /** Partitions with fewer in-sync replicas than replicas. */
  underReplicated: number;
  /** Partitions without a leader: neither readable nor writable. */
  offline: number;
}

interface PartitionState {
  leader: number;
  replicas: readonly number[];
  isr: readonly number[];
}

/** A Metadata answer as the broker sent it (the client keeps it on the error it raises for one). */
interface RawMetadata {
  brokers: unknown[];
  topics: { partitions: { leaderId: number; replicaNodes: number[]; isrNodes: number[] }[] }[];
}

const isRawMetadata = (value: unknown): value is RawMetadata =>
  typeof value === 'object' && value !== null && Array.isArray((value as RawMetadata).brokers) && Array.isArray((value as RawMetadata).topics);

/**
 * The answer inside a failed metadata call: the client refuses an answer in which any partition
 * has an error (a partition whose every replica is down answers LEADER_NOT_AVAILABLE), but the
 * answer itself is what this counts. Found on the response error, however deep the retries wrapped it.
 */
function answerInside(err: unknown, depth = 0): RawMetadata | undefined {
  if (typeof err !== 'object' || err === null || depth > 5) return undefined;
  const response = (err as { response?: unknown }).response;
  if (isRawMetadata(response)) return response;
  const inner = (err as { errors?: unknown }).errors;
  return Array.isArray(inner) ? inner.map((e) => answerInside(e, depth + 1)).find((r) => r !== undefined) : undefined;
}

function health(brokers: number, partitions: Iterable<PartitionState>): KafkaHealth {
  let underReplicated = 0;
  let offline = 0;
  for (const partition of partitions) {
    if (partition.isr.length < partition.replicas.length) underReplicated += 1;
    if (partition.leader < 0) offline += 1;
  }
  return { brokers, underReplicated, offline };
}

/**
 * The cluster as its metadata describes it, internal topics included (the consumer offsets and
 * transaction state are partitions like any other). One answering broker suffices; an answer
 * that names a partition without a leader counts it offline rather than failing.
 */
export async function readKafkaHealth(admin: MetadataAdmin): Promise<KafkaHealth> {
  try {
    const topics = await admin.listTopics({ includeInternals: true });
    const cluster = await admin.metadata({ topics, forceUpdate: true });
    return health(cluster.brokers.size, [...cluster.topics.values()].flatMap((topic) => topic.partitions));
  } catch (err) {
    const answer = answerInside(err);
    if (!answer) throw err;
    const partitions = answer.topics.flatMap((topic) => topic.partitions).map((p) => ({ leader: p.leaderId, replicas: p.replicaNodes, isr: p.isrNodes }));
    return health(answer.brokers.length, partitions);
  }
}
