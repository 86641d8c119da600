import type { Admin } from 'kafkajs';
import type { Queryable } from '../db/database';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface MessagingMetrics {
  published: Counter;
  applied: Counter<'type'>;
  deadLettered: Counter;
}

/**
 * Event counters, plus two gauges read when Prometheus scrapes: the outbox backlog (rows not yet
 * published) and, per consumer group, how far it is behind the end of each partition.
 */
export function createMessagingMetrics(registry: Registry, sources: { db: Queryable; outbox: boolean; admin?: Admin; consumers: { group: string; topic: string }[] }): MessagingMetrics {
  if (sources.outbox) {
    new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox rows committed but not yet published to Kafka',
      registers: [registry],
      async collect() {
        const { rows } = await sources.db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL');
        this.set(Number(rows[0]?.n ?? 0));
      },
    });
  }
  if (sources.admin && sources.consumers.length > 0) {
    const admin = sources.admin;
    new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages between a consumer group committed offset and the end of the partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      async collect() {
        for (const { group, topic } of sources.consumers) {
          const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
          for (const end of ends) {
            const at = committed[0]?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            const lag = Number(end.high) - Math.max(0, Number(at));
            this.set({ group, topic, partition: String(end.partition) }, Math.max(0, lag));
          }
        }
      },
    });
  }
  return {
    published: new Counter({ name: 'events_published_total', help: 'Events the outbox relay published', registers: [registry] }),
    applied: new Counter({ name: 'events_applied_total', help: 'Events applied by consumers (duplicates excluded)', labelNames: ['type'], registers: [registry] }),
    deadLettered: new Counter({ name: 'events_dead_lettered_total', help: 'Messages sent to a dead-letter topic', registers: [registry] }),
  };
}
