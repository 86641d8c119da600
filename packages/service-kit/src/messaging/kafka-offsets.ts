import type { Admin } from '@platformatic/kafka';

/** The next offset to be written in each partition of `topic` (its end), by partition. */
export async function topicEndOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const metadata = await admin.metadata({ topics: [topic] });
  const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
  if (count === 0) return new Map();
  const partitions = Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n }));
  const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions }] });
  return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
}

/** What `group` committed on `topic`, by partition; a partition it never committed is absent. */
export async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  const [answer] = await admin.listConsumerGroupOffsets({ groups: [group] });
  const committed = new Map<number, number>();
  for (const t of answer?.topics ?? []) {
    if (t.name !== topic) continue;
    for (const p of t.partitions) if (p.committedOffset >= 0n) committed.set(p.partitionIndex, Number(p.committedOffset));
  }
  return committed;
}

/** Per partition of the topic, how many messages lie between the group's commit and the end. */
export function lagByPartition(ends: Map<number, number>, committed: Map<number, number>): Map<number, number> {
  return new Map([...ends].map(([partition, end]) => [partition, Math.max(0, end - (committed.get(partition) ?? 0))]));
}
