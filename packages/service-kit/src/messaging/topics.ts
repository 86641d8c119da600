import { Kafka, logLevel } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  partitions: number;
  retentionMs: number;
}

/**
 * Creates the topics the platform needs with explicit partitions and retention (the broker never
 * auto-creates). An existing topic with fewer partitions is grown; more is left alone and reported.
 */
export async function ensureTopics(brokers: string[], specs: readonly TopicSpec[]): Promise<string[]> {
  const admin = new Kafka({ clientId: 'platform-topics', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.partitions,
          replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: String(s.retentionMs) }],
        })),
      });
    }
    const notes: string[] = missing.map((s) => `created ${s.topic} (${s.partitions} partitions)`);
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
      for (const spec of present) {
        const have = metadata.topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0;
        if (have < spec.partitions) {
          await admin.createPartitions({ topicPartitions: [{ topic: spec.topic, count: spec.partitions }] });
          notes.push(`grew ${spec.topic} from ${have} to ${spec.partitions} partitions`);
        } else if (have > spec.partitions) {
          notes.push(`${spec.topic} has ${have} partitions, more than the ${spec.partitions} asked; left as it is`);
        }
      }
    }
    return notes;
  } finally {
    await admin.disconnect();
  }
}
