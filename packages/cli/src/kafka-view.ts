import { Kafka, logLevel } from 'kafkajs';
import { formatTable } from './table';

/** Topics with their partitions, and every consumer group's lag per topic, as `platform status` shows them. */
export async function kafkaTable(brokers: string): Promise<string> {
  const admin = new Kafka({ clientId: 'platform-status', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 1 } }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const metadata = await admin.fetchTopicMetadata({ topics });
    const ends = new Map<string, Map<number, number>>();
    for (const topic of topics) ends.set(topic, new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)])));
    const topicRows = metadata.topics.map((t) => [t.name, String(t.partitions.length), String([...(ends.get(t.name)?.values() ?? [])].reduce((a, b) => a + b, 0))]);
    const groupRows: string[][] = [];
    for (const { groupId } of (await admin.listGroups()).groups) {
      for (const committed of await admin.fetchOffsets({ groupId, topics })) {
        const topicEnds = ends.get(committed.topic);
        if (!topicEnds || committed.partitions.every((p) => p.offset === '-1')) continue;
        const lag = committed.partitions.reduce((sum, p) => sum + Math.max(0, (topicEnds.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))), 0);
        groupRows.push([groupId, committed.topic, String(lag)]);
      }
    }
    return `${formatTable(['TOPIC', 'PARTITIONS', 'MESSAGES'], topicRows)}\n\n${formatTable(['CONSUMER GROUP', 'TOPIC', 'LAG'], groupRows)}`;
  } catch (err) {
    return `kafka at ${brokers}: unreachable (${err instanceof Error ? err.message : String(err)})`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
