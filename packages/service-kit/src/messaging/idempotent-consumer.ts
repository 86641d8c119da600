import { MessagesStreamFallbackModes, MessagesStreamModes, ProduceAcks, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Queryable, WritePool } from '../db/database';
import type { Logger } from '../logging/logger';
import { requestContext } from '../logging/request-context';
import { fromKafkaMessage, MalformedEventError, traceHeaders, type EventEnvelope, type EventTrace, type RecordHeaders } from './envelope';
import { createGroupConsumer, errorMessage, type KafkaConnection, type KafkaConsumer, type KafkaProducer } from './kafka-client';
import { PartitionLanes } from './partition-lanes';
import { jitteredBackoffMs, sleep } from '../util/backoff';

/** Applies one event's effect on `tx`, the transaction that also records the event id. */
export type EventHandler = (tx: Queryable, event: EventEnvelope, trace: EventTrace) => Promise<void>;

type ConsumedRecord = Message<Buffer, Buffer, Buffer, Buffer>;
type RecordStream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

export interface IdempotentConsumerOptions {
  kafka: KafkaConnection;
  db: WritePool;
  /** Also the Kafka consumer group and the inbox's consumer name. */
  name: string;
  topic: string;
  handlers: Record<string, EventHandler>;
  /** Producer used for the dead-letter topic. */
  producer: KafkaProducer;
  logger: Logger;
  maxAttempts?: number;
  onApplied?(event: EventEnvelope): void;
  onDeadLettered?(reason: string): void;
}

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Partitions handled side by side by one instance (each still in order). */
const PARTITIONS_IN_PARALLEL = 3;

/**
 * Applies each event once: the event id goes into the inbox in the same transaction as the
 * handler's effect, so a redelivered event (after a crash, a rebalance or a relay resend) finds
 * its id and is skipped. A message that fails `maxAttempts` times, or is not an event at all,
 * goes to `<topic>.dlq` with its error, and the consumer moves on. A message's offset is committed
 * only after it was handled, so a crash mid-batch redelivers rather than loses.
 */
export class IdempotentConsumer {
  private consumer: KafkaConsumer | undefined;
  private stopped = false;
  private sessions: Promise<void> | undefined;

  constructor(private readonly options: IdempotentConsumerOptions) {}

  /**
   * Joins the group and consumes, in the background: the topic may not exist yet (its producer
   * creates it), and a service must not fail to start for that. When the stream breaks (the
   * broker gone longer than the client's retries) it joins again, with a growing pause.
   */
  start(): void {
    this.sessions = this.runSessions();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.close(true).catch(() => undefined);
    await this.sessions;
  }

  private async runSessions(): Promise<void> {
    const { logger, name: group, topic } = this.options;
    for (let attempt = 1; !this.stopped; attempt += 1) {
      const consumer = createGroupConsumer(this.options.kafka, group);
      this.consumer = consumer;
      let joined = false;
      try {
        // The group's committed offsets first; a group that never committed starts at the beginning.
        const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST });
        joined = true;
        if (attempt > 1) logger.info('consumer joined its group', { group, topic, attempt });
        attempt = 0;
        await this.consumeUntilClosed(stream);
      } catch (err) {
        if (!this.stopped && (joined || attempt === 1 || attempt % 10 === 0)) {
          logger.warn(joined ? 'consumer stream broke; joining again' : 'consumer cannot join yet; retrying', { group, topic, attempt, error: errorMessage(err) });
        }
      }
      await consumer.close(true).catch(() => undefined);
      if (!this.stopped) await sleep(jitteredBackoffMs(attempt, { firstMs: 250 }));
    }
  }

  /** Feeds the stream's messages to per-partition lanes; settles when the stream closes, after the lanes drained. */
  private async consumeUntilClosed(stream: RecordStream): Promise<void> {
    const lanes = new PartitionLanes<ConsumedRecord>({ work: (message) => this.handleUntilDone(message), concurrency: PARTITIONS_IN_PARALLEL, maxQueued: 500, flow: stream });
    let failure: unknown;
    await new Promise<void>((resolve) => {
      stream.on('data', (message: ConsumedRecord) => lanes.push(String(message.partition), message));
      stream.once('error', (err) => (failure = err));
      stream.once('close', resolve);
    });
    await lanes.idle();
    if (failure !== undefined && !this.stopped) throw failure;
  }

  /**
   * Handles a message until it is applied, skipped or dead-lettered, then commits past it. A
   * failure outside the handler (the database or the dead-letter producer down) is retried, in
   * order, rather than skipped; on stop the message is left uncommitted for the next member.
   */
  private async handleUntilDone(message: ConsumedRecord): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        await this.handle(message);
        // Commits are merged per partition by the client; a lost one only means a redelivery.
        void Promise.resolve(message.commit()).catch((err: unknown) => this.options.logger.debug('offset commit failed; the message may be redelivered', { error: errorMessage(err) }));
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 20 === 0) {
          this.options.logger.warn('cannot handle a message yet; retrying it', { group: this.options.name, partition: message.partition, offset: String(message.offset), attempt, error: errorMessage(err) });
        }
        await sleep(jitteredBackoffMs(attempt, { firstMs: 200 }));
      }
    }
  }

  private async handle(message: ConsumedRecord): Promise<void> {
    const { logger } = this.options;
    let parsed: { event: EventEnvelope; trace: EventTrace };
    try {
      parsed = fromKafkaMessage(message.value, message.headers);
    } catch (err) {
      if (!(err instanceof MalformedEventError)) throw err;
      await this.deadLetter(message, err.message, 1, undefined);
      logger.warn('malformed message sent to the dead-letter topic', { partition: message.partition, offset: String(message.offset), error: err.message });
      return;
    }
    const { event, trace } = parsed;
    const handler = this.options.handlers[event.type];
    if (!handler) return;
    // The effect and its log lines belong to the request that produced the event.
    const context = requestContext.fromHeaders(traceHeaders(trace));
    await requestContext.run(context, () => this.applyWithRetries(event, trace, handler, message));
  }

  private async applyWithRetries(event: EventEnvelope, trace: EventTrace, handler: EventHandler, message: ConsumedRecord): Promise<void> {
    const { logger } = this.options;
    const attempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const applied = await this.applyOnce(event, trace, handler);
        const fields = { requestId: trace.requestId, eventId: event.id, eventType: event.type, aggregateId: event.aggregateId, partition: message.partition, offset: String(message.offset) };
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
          await this.deadLetter(message, reason, attempt, event);
          logger.error('event failed; sent to the dead-letter topic', { requestId: trace.requestId, eventId: event.id, eventType: event.type, attempts: attempt, error: reason });
          return;
        }
        await sleep(jitteredBackoffMs(attempt, { firstMs: 100 }));
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

  /** The message as it came (key, value, every header), plus why it is here. */
  private async deadLetter(message: ConsumedRecord, reason: string, attempts: number, event: EventEnvelope | undefined): Promise<void> {
    const headers: RecordHeaders = new Map(message.headers);
    const add = (name: string, value: string) => headers.set(Buffer.from(name), Buffer.from(value));
    add('dlq-error', reason.slice(0, 1000));
    add('dlq-source-topic', this.options.topic);
    add('dlq-consumer', this.options.name);
    add('dlq-attempts', String(attempts));
    await this.options.producer.send({ acks: ProduceAcks.ALL, messages: [{ topic: deadLetterTopic(this.options.topic), key: message.key, value: message.value, headers }] });
    if (event) {
      await this.options.db.query("INSERT INTO inbox (consumer, event_id, topic, status) VALUES ($1, $2, $3, 'dead-lettered') ON CONFLICT DO NOTHING", [this.options.name, event.id, this.options.topic]);
    }
    this.options.onDeadLettered?.(reason);
  }
}

