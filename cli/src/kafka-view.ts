import { messaging } from '@platform/service-kit';
import { formatTable } from './table';

/** Kafka as `platform status --json` lists it; `error` instead of the lists when it cannot be asked. */
export interface KafkaView {
  brokers: string;
  /** Every broker the cluster has registered (a broker down is missing here). */
  members: { id: number; address: string }[];
  /** `replicas`: copies per partition; `underReplicated`: partitions with fewer in-sync copies than that. */
  topics: { topic: string; partitions: number; replicas: number; underReplicated: number; messages: number }[];
  consumerGroups: { group: string; topic: string; lag: number }[];
  error: string | null;
}

type Admin = ReturnType<typeof messaging.createAdmin>;

/** Brokers, and per topic its replication and how many partitions lack an in-sync copy. */
async function replication(admin: Admin, names: string[]): Promise<{ members: KafkaView['members']; byTopic: Map<string, { replicas: number; underReplicated: number }> }> {
  const cluster = await admin.metadata({ topics: names, forceUpdate: true });
  const members = [...cluster.brokers.entries()].map(([id, b]) => ({ id, address: `${b.host}:${b.port}` })).sort((a, b) => a.id - b.id);
  const byTopic = new Map<string, { replicas: number; underReplicated: number }>();
  for (const [topic, meta] of cluster.topics) {
    const replicas = Math.max(0, ...meta.partitions.map((p) => p.replicas.length));
    byTopic.set(topic, { replicas, underReplicated: meta.partitions.filter((p) => p.isr.length < p.replicas.length).length });
  }
  return { members, byTopic };
}

/** Topics with their partitions, replication and message counts, the brokers, and every consumer group's lag per topic. */
export async function kafkaView(brokers: string): Promise<KafkaView> {
  const admin = messaging.createAdmin(messaging.createKafka('platform-status', brokers.split(','), { retries: 1 }));
  try {
    const names = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const { members, byTopic } = await replication(admin, names);
    const ends = new Map<string, Map<number, number>>();
    for (const topic of names) ends.set(topic, await messaging.topicEndOffsets(admin, topic));
    const topics = names.map((topic) => ({
      topic,
      partitions: ends.get(topic)?.size ?? 0,
      replicas: byTopic.get(topic)?.replicas ?? 0,
      underReplicated: byTopic.get(topic)?.underReplicated ?? 0,
      messages: [...(ends.get(topic)?.values() ?? [])].reduce((a, b) => a + b, 0),
    }));
    const consumerGroups: KafkaView['consumerGroups'] = [];
    for (const group of [...(await admin.listGroups()).keys()].sort()) {
      for (const [topic, topicEnds] of ends) {
        const committed = await messaging.committedOffsets(admin, group, topic);
        if (committed.size === 0) continue;
        consumerGroups.push({ group, topic, lag: [...messaging.lagByPartition(topicEnds, committed).values()].reduce((a, b) => a + b, 0) });
      }
    }
    return { brokers, members, topics, consumerGroups, error: null };
  } catch (err) {
    return { brokers, members: [], topics: [], consumerGroups: [], error: messaging.errorMessage(err) };
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export function kafkaText(view: KafkaView): string {
  if (view.error !== null) return `kafka at ${view.brokers}: unreachable (${view.error})`;
  const members = formatTable(['KAFKA BROKER', 'ADDRESS'], view.members.map((m) => [String(m.id), m.address]));
  const topics = formatTable(
    ['TOPIC', 'PARTITIONS', 'REPLICAS', 'UNDER-REPLICATED', 'MESSAGES'],
    view.topics.map((t) => [t.topic, String(t.partitions), String(t.replicas), String(t.underReplicated), String(t.messages)]),
  );
  return `${members}\n\n${topics}\n\n${formatTable(['CONSUMER GROUP', 'TOPIC', 'LAG'], view.consumerGroups.map((g) => [g.group, g.topic, String(g.lag)]))}`;
}
