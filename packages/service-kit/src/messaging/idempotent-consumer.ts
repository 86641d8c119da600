import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { Queryable, WritePool } from '../db/database';
import type { Logger } from '../logging/logger';
import { requestContext } from '../logging/request-context';
import { fromKafkaMessage, MalformedEventError, type EventEnvelope, type EventTrace } from './envelope';

/** Applies one event's effect on `tx`, the transaction that also records the event id. */
export type EventHandler = (tx: Queryable, event: EventEnvelope, trace: EventTrace) => Promise<void>;

export interface IdempotentConsumerOptions {
  kafka: Kafka;
  db: WritePool;
  /** Also the Kafka consumer group and the inbox's consumer name. */
  name: string;
  topic: string;
  handlers: Record<string, EventHandler>;
  /** Producer used for the dead-letter topic. */
  producer: Producer;
  logger: Logger;
  maxAttempts?: number;
  onApplied?(event: EventEnvelope): void;
  onDeadLettered?(reason: string): void;
}

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/**
 * Applies each event once: the event id goes into the inbox in the same transaction as the
 * handler's effect, so a redelivered event (after a crash, a rebalance or a relay resend) finds
 * its id and is skipped. A message that fails `maxAttempts` times, or is not an event at all,
 * goes to `<topic>.dlq` with its error, and the consumer moves on.
 */
export class IdempotentConsumer {
  private consumer: Consumer | undefined;

  constructor(private readonly options: IdempotentConsumerOptions) {}

  private stopped = false;
  private starting: Promise<void> | undefined;

  /**
   * Joins the group and starts consuming, retrying in the background until it works: the topic
   * may not exist yet (its producer creates it), and a service must not fail to start for that.
   */
  start(): void {
    this.starting = this.joinWithRetries();
  }

  private async joinWithRetries(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt += 1) {
      // A short session lets a replacement take over a crashed member's partitions within seconds.
      // maxWaitTimeInMs keeps a quiet partition from delaying the next event by the default 5 s.
      const consumer = this.options.kafka.consumer({ groupId: this.options.name, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 });
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
        // Partitions in parallel, each still in order: one aggregate's events stay sequential.
        await consumer.run({ autoCommit: true, partitionsConsumedConcurrently: 3, eachMessage: (payload) => this.handle(payload) });
        this.consumer = consumer;
        if (attempt > 1) this.options.logger.info('consumer joined its group', { group: this.options.name, topic: this.options.topic, attempt });
        return;
      } catch (err) {
        await consumer.disconnect().catch(() => undefined);
        if (attempt === 1 || attempt % 10 === 0) {
          this.options.logger.warn('consumer cannot join yet; retrying', { group: this.options.name, topic: this.options.topic, attempt, error: err instanceof Error ? err.message : String(err) });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.consumer?.disconnect();
  }

  private async handle({ message, partition }: EachMessagePayload): Promise<void> {
    const { logger } = this.options;
    let parsed: { event: EventEnvelope; trace: EventTrace };
    try {
      parsed = fromKafkaMessage(message.value, message.headers);
    } catch (err) {
      if (!(err instanceof MalformedEventError)) throw err;
      await this.deadLetter(message.key, message.value, message.headers ?? {}, err.message, 1, undefined);
      logger.warn('malformed message sent to the dead-letter topic', { partition, offset: message.offset, error: err.message });
      return;
    }
    const { event, trace } = parsed;
    const handler = this.options.handlers[event.type];
    if (!handler) return;
    // The effect and its log lines belong to the request that produced the event.
    const context = requestContext.fromHeaders({ 'x-request-id': trace.requestId, traceparent: trace.traceparent });
    await requestContext.run(context, () => this.applyWithRetries(event, trace, handler, partition, message));
  }

  private async applyWithRetries(event: EventEnvelope, trace: EventTrace, handler: EventHandler, partition: number, message: EachMessagePayload['message']): Promise<void> {
    const { logger } = this.options;
    const attempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const applied = await this.applyOnce(event, trace, handler);
        const fields = { requestId: trace.requestId, eventId: event.id, eventType: event.type, aggregateId: event.aggregateId, partition, offset: message.offset };
        if (applied) {
          logger.info('event applied', fields);
          this.options.onApplied?.(event);
        } else {
          logger.info('duplicate event skipped', fields);
        }
        return;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (attempt >= attempts) {
          await this.deadLetter(message.key, message.value, message.headers ?? {}, reason, attempt, event);
          logger.error('event failed; sent to the dead-letter topic', { requestId: trace.requestId, eventId: event.id, eventType: event.type, attempts: attempt, error: reason });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** True when this call applied the event, false when the inbox already had it. */
  private applyOnce(event: EventEnvelope, trace: EventTrace, handler: EventHandler): Promise<boolean> {
    return this.options.db.transaction(async (tx) => {
      const inserted = await tx.query("INSERT INTO inbox (consumer, event_id, topic, status) VALUES ($1, $2, $3, 'applied') ON CONFLICT DO NOTHING", [
        this.options.name,
        event.id,
        this.options.topic,
      ]);
      if (inserted.rowCount === 0) return false;
      await handler(tx, event, trace);
      return true;
    });
  }

  private async deadLetter(key: Buffer | null, value: Buffer | null, headers: NonNullable<EachMessagePayload['message']['headers']>, reason: string, attempts: number, event: EventEnvelope | undefined): Promise<void> {
    await this.options.producer.send({
      topic: deadLetterTopic(this.options.topic),
      acks: -1,
      messages: [{ key, value, headers: { ...headers, 'dlq-error': reason.slice(0, 1000), 'dlq-source-topic': this.options.topic, 'dlq-consumer': this.options.name, 'dlq-attempts': String(attempts) } }],
    });
    if (event) {
      await this.options.db.query("INSERT INTO inbox (consumer, event_id, topic, status) VALUES ($1, $2, $3, 'dead-lettered') ON CONFLICT DO NOTHING", [this.options.name, event.id, this.options.topic]);
    }
    this.options.onDeadLettered?.(reason);
  }
}
