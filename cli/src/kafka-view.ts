import { messaging } from '@platform/service-kit';
import { formatTable } from './table';

/** Topics with their partitions, and every consumer group's lag per topic, as `platform status` shows them. */
export async function kafkaTable(brokers: string): Promise<string> {
  const admin = messaging.createAdmin(messaging.createKafka('platform-status', brokers.split(','), { retries: 1 }));
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const ends = new Map<string, Map<number, number>>();
    for (const topic of topics) ends.set(topic, await messaging.topicEndOffsets(admin, topic));
    const topicRows = topics.map((t) => [t, String(ends.get(t)?.size ?? 0), String([...(ends.get(t)?.values() ?? [])].reduce((a, b) => a + b, 0))]);
    const groupRows: string[][] = [];
    for (const groupId of [...(await admin.listGroups()).keys()].sort()) {
      for (const [topic, topicEnds] of ends) {
        const committed = await messaging.committedOffsets(admin, groupId, topic);
        if (committed.size === 0) continue;
        const lag = [...messaging.lagByPartition(topicEnds, committed).values()].reduce((a, b) => a + b, 0);
        groupRows.push([groupId, topic, String(lag)]);
      }
    }
    return `${formatTable(['TOPIC', 'PARTITIONS', 'MESSAGES'], topicRows)}\n\n${formatTable(['CONSUMER GROUP', 'TOPIC', 'LAG'], groupRows)}`;
  } catch (err) {
    return `kafka at ${brokers}: unreachable (${messaging.errorMessage(err)})`;
  } finally {
    await admin.close().catch(() => undefined);
  }
}
