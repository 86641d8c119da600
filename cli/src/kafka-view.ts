import { messaging } from '@platform/service-kit';
import { formatTable } from './table';

/** Kafka as `platform status --json` lists it; `error` instead of the lists when it cannot be asked. */
export interface KafkaView {
  brokers: string;
  topics: { topic: string; partitions: number; messages: number }[];
  consumerGroups: { group: string; topic: string; lag: number }[];
  error: string | null;
}

/** Topics with their partitions and message counts, and every consumer group's lag per topic. */
export async function kafkaView(brokers: string): Promise<KafkaView> {
  const admin = messaging.createAdmin(messaging.createKafka('platform-status', brokers.split(','), { retries: 1 }));
  try {
    const names = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const ends = new Map<string, Map<number, number>>();
    for (const topic of names) ends.set(topic, await messaging.topicEndOffsets(admin, topic));
    const topics = names.map((topic) => ({ topic, partitions: ends.get(topic)?.size ?? 0, messages: [...(ends.get(topic)?.values() ?? [])].reduce((a, b) => a + b, 0) }));
    const consumerGroups: KafkaView['consumerGroups'] = [];
    for (const group of [...(await admin.listGroups()).keys()].sort()) {
      for (const [topic, topicEnds] of ends) {
        const committed = await messaging.committedOffsets(admin, group, topic);
        if (committed.size === 0) continue;
        consumerGroups.push({ group, topic, lag: [...messaging.lagByPartition(topicEnds, committed).values()].reduce((a, b) => a + b, 0) });
      }
    }
    return { brokers, topics, consumerGroups, error: null };
  } catch (err) {
    return { brokers, topics: [], consumerGroups: [], error: messaging.errorMessage(err) };
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export function kafkaText(view: KafkaView): string {
  if (view.error !== null) return `kafka at ${view.brokers}: unreachable (${view.error})`;
  const topics = formatTable(['TOPIC', 'PARTITIONS', 'MESSAGES'], view.topics.map((t) => [t.topic, String(t.partitions), String(t.messages)]));
  return `${topics}\n\n${formatTable(['CONSUMER GROUP', 'TOPIC', 'LAG'], view.consumerGroups.map((g) => [g.group, g.topic, String(g.lag)]))}`;
}
