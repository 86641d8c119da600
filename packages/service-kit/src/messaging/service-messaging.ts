import type { WritePool } from '../db/database';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger';
import { deadLetterTopic, IdempotentConsumer, type EventHandler } from './idempotent-consumer';
import { createAdmin, createIdempotentProducer, createKafka } from './kafka-client';
import { ConsumerLagPoller } from './consumer-lag';
import { createMessagingMetrics } from './messaging-metrics';
import { OutboxRelay } from './outbox-relay';
import { ensureTopics, type TopicSpec } from './topics';

export interface ServiceMessagingOptions {
  service: string;
  /** KAFKA_BROKERS; without any, nothing starts and `withoutBrokers` says in the log what that means. */
  brokers: string[] | undefined;
  withoutBrokers?: string;
  db: WritePool;
  logger: Logger;
  registry: Registry;
  /** Topics this service publishes to through its outbox; created (with their .dlq) at start. */
  produces?: TopicSpec[];
  /** One consumer group per entry, named `<service>.<name>`. */
  consumes?: { name: string; topic: string; handlers: Record<string, EventHandler> }[];
}

export interface ServiceMessaging {
  close(): Promise<void>;
}

const DLQ_RETENTION_MS = 14 * 24 * 3600 * 1000;

/** Starts what a service declared: topics, the outbox relay if it produces, its idempotent consumers. */
export async function startServiceMessaging(options: ServiceMessagingOptions): Promise<ServiceMessaging> {
  const { brokers } = options;
  if (!brokers || brokers.length === 0) {
    options.logger.warn(`KAFKA_BROKERS is not set: ${options.withoutBrokers ?? 'no events are published or consumed'}`);
    return { close: async () => undefined };
  }
  const kafka = createKafka(options.service, brokers);
  const produces = options.produces ?? [];
  const consumes = options.consumes ?? [];
  await ensureTopics(brokers, [
    ...produces,
    ...[...new Set(consumes.map((c) => c.topic))].map((topic) => ({ topic: deadLetterTopic(topic), partitions: 1, retentionMs: DLQ_RETENTION_MS })),
  ]);
  // Both connect on first use (@platformatic/kafka has no connect()).
  const producer = createIdempotentProducer(kafka);
  const admin = createAdmin(kafka);
  const groups = consumes.map((c) => ({ group: `${options.service}.${c.name}`, topic: c.topic }));
  const lag = groups.length > 0 ? new ConsumerLagPoller({ admin, consumers: groups, logger: options.logger }) : undefined;
  lag?.start();
  const metrics = createMessagingMetrics(options.registry, { db: options.db, outbox: produces.length > 0, lag, logger: options.logger });

  const relay = produces.length > 0 ? new OutboxRelay({ db: options.db, producer, logger: options.logger, onPublished: (n) => metrics.published.inc(n) }) : undefined;
  relay?.start();
  const consumers = consumes.map(
    (c) =>
      new IdempotentConsumer({
        kafka,
        db: options.db,
        name: `${options.service}.${c.name}`,
        topic: c.topic,
        handlers: c.handlers,
        producer,
        logger: options.logger,
        onApplied: (event) => metrics.applied.inc({ type: event.type }),
        onDeadLettered: () => metrics.deadLettered.inc(),
      }),
  );
  for (const consumer of consumers) consumer.start();
  return {
    async close() {
      await relay?.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await lag?.stop();
      await producer.close();
      await admin.close();
    },
  };
}
