import type { Admin } from '@platformatic/kafka';
import { jitteredBackoffMs, sleep } from '../util/backoff';
import { createAdmin, createKafka, errorMessage } from './kafka-client';

export interface TopicSpec {
  topic: string;
  partitions: number;
  retentionMs: number;
}

/** The admin calls ensureTopics makes (a seam for its unit test). */
export type TopicAdmin = Pick<Admin, 'listTopics' | 'createTopics' | 'createPartitions' | 'metadata' | 'listOffsets'>;

/** How long a start may spend on its topics: the broker may be starting too, or busy with others' creations. */
const ENSURE_TOPICS_TIMEOUT_MS = 30_000;

/**
 * Creates the topics the platform needs with explicit partitions and retention (the broker never
 * auto-creates). An existing topic with fewer partitions is grown; more is left alone and reported.
 * It returns only once the broker serves every partition: any number of instances may run this
 * at once against a fresh broker (each one's creation may lose to another's, and a topic just
 * created answers "does not host this topic-partition" for a moment), and each one retries until
 * all topics are there and served, rather than failing its start.
 */
export async function ensureTopics(brokers: string[], specs: readonly TopicSpec[], timeoutMs = ENSURE_TOPICS_TIMEOUT_MS): Promise<string[]> {
  const admin = createAdmin(createKafka('platform-topics', brokers, { retries: 0 }));
  try {
    return await ensureTopicsWith(admin, specs, timeoutMs);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** ensureTopics on a given admin client: creates or grows, then waits until every partition is served. */
export async function ensureTopicsWith(admin: TopicAdmin, specs: readonly TopicSpec[], timeoutMs = ENSURE_TOPICS_TIMEOUT_MS, retryMs = 50): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const notes: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    try {
      notes.push(...(await createOrGrow(admin, specs)));
      await everyPartitionServed(admin, specs);
      return notes;
    } catch (err) {
      if (Date.now() >= deadline) throw new Error(`topics ${specs.map((s) => s.topic).join(', ')} not ready after ${timeoutMs} ms: ${errorMessage(err)}`);
      await sleep(jitteredBackoffMs(attempt, { firstMs: retryMs, maxMs: 1_000 }));
    }
  }
}

async function createOrGrow(admin: TopicAdmin, specs: readonly TopicSpec[]): Promise<string[]> {
  const notes: string[] = [];
  const existing = new Set(await admin.listTopics());
  for (const spec of specs.filter((s) => !existing.has(s.topic))) {
    try {
      // No replica count: the broker's default.replication.factor (one copy on a lone broker, three on a cluster).
      await admin.createTopics({ topics: [spec.topic], partitions: spec.partitions, configs: [{ name: 'retention.ms', value: String(spec.retentionMs) }] });
      notes.push(`created ${spec.topic} (${spec.partitions} partitions)`);
    } catch (err) {
      // Another instance created it between our list and our create: that is what we wanted.
      if (!hasProtocolError(err, 'TOPIC_ALREADY_EXISTS')) throw err;
    }
  }
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length === 0) return notes;
  const metadata = await admin.metadata({ topics: present.map((s) => s.topic), forceUpdate: true });
  for (const spec of present) {
    const have = metadata.topics.get(spec.topic)?.partitionsCount ?? 0;
    if (have < spec.partitions) {
      try {
        await admin.createPartitions({ topics: [{ name: spec.topic, count: spec.partitions }] });
        notes.push(`grew ${spec.topic} from ${have} to ${spec.partitions} partitions`);
      } catch (err) {
        // Another instance grew it first; the next pass sees the new count.
        if (!hasProtocolError(err, 'INVALID_PARTITIONS')) throw err;
      }
    } else if (have > spec.partitions) {
      notes.push(`${spec.topic} has ${have} partitions, more than the ${spec.partitions} asked; left as it is`);
    }
  }
  return notes;
}

/** Asks every partition's leader for its end offset: it answers only once it hosts the partition. */
async function everyPartitionServed(admin: TopicAdmin, specs: readonly TopicSpec[]): Promise<void> {
  const metadata = await admin.metadata({ topics: specs.map((s) => s.topic), forceUpdate: true });
  const topics = specs.map((spec) => {
    const count = metadata.topics.get(spec.topic)?.partitionsCount ?? 0;
    if (count < spec.partitions) throw new Error(`${spec.topic} has ${count} of ${spec.partitions} partitions so far`);
    return { name: spec.topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) };
  });
  await admin.listOffsets({ topics });
}

/** True when the broker answered `apiId` (e.g. TOPIC_ALREADY_EXISTS), however deep the client wrapped it. */
export function hasProtocolError(err: unknown, apiId: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { apiId?: unknown }).apiId === apiId) return true;
  const inner = (err as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.some((e) => hasProtocolError(e, apiId));
}
