import { Admin, compatibilityPartitioner, Consumer, ProduceAcks, Producer, type BaseOptions } from '@platformatic/kafka';

/**
 * Where and how every Kafka client of an instance connects (@platformatic/kafka has no shared
 * factory: each producer, consumer and admin gets these options). Retries stay short, so a
 * returning broker is noticed within seconds and a caller that gives up says so itself.
 */
export type KafkaConnection = Pick<BaseOptions, 'clientId' | 'bootstrapBrokers' | 'connectTimeout' | 'timeout' | 'retries' | 'retryDelay'>;

/** Keys, values and headers as bytes: what the relay writes and what a dead letter copies unchanged. */
export type KafkaProducer = Producer<Buffer, Buffer, Buffer, Buffer>;
export type KafkaConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;

export function createKafka(clientId: string, brokers: string[], overrides: Partial<KafkaConnection> = {}): KafkaConnection {
  return { clientId, bootstrapBrokers: brokers, connectTimeout: 3_000, timeout: 10_000, retries: 5, retryDelay: 200, ...overrides };
}

/**
 * Idempotent producer: the broker drops a retried batch it already has (producer id and sequence
 * numbers), so a retry after a lost acknowledgement cannot duplicate within a session; every send
 * waits for all in-sync replicas. Topics are never created by a send. Keys are placed as the Java
 * client and kafkajs place them (murmur2, positive), so an aggregate keeps the partition its
 * earlier events went to.
 */
export function createIdempotentProducer(kafka: KafkaConnection): KafkaProducer {
  return new Producer({ ...kafka, idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false, partitioner: compatibilityPartitioner });
}

export function createAdmin(kafka: KafkaConnection): Admin {
  return new Admin({ ...kafka, autocreateTopics: false });
}

/**
 * A group member that commits only what the caller says it has handled (autocommit off: the
 * library's autocommit commits what it fetched, which a crash mid-batch would lose). A short
 * session lets a replacement take over a crashed member's partitions within seconds; maxWaitTime
 * keeps a quiet partition from delaying the next event.
 */
export function createGroupConsumer(kafka: KafkaConnection, groupId: string): KafkaConsumer {
  return new Consumer({ ...kafka, groupId, autocommit: false, autocreateTopics: false, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTime: 100 });
}

export const errorMessage = (err: unknown): string => {
  if (!(err instanceof Error)) return String(err);
  // The library wraps the broker's answers in an AggregateError; its inner errors say what happened.
  const inner = err instanceof AggregateError ? err.errors.map((e: unknown) => errorMessage(e)).filter((m) => m !== err.message) : [];
  return inner.length > 0 ? `${err.message}: ${[...new Set(inner)].join('; ')}` : err.message;
}
