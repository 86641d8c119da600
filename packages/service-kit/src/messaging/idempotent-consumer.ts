import { MessagesStreamFallbackModes, MessagesStreamModes, ProduceAcks, type Message, type MessagesStream } from '@platformatic/kafka';
import { SpanKind } from '@opentelemetry/api';
import type { Queryable, WritePool } from '../db/database';
import type { Logger } from '../logging/logger';
import { requestContext } from '../logging/request-context';
import { fromKafkaMessage, MalformedEventError, traceHeaders, type EventEnvelope, type EventTrace, type RecordHeaders } from './envelope';
import { createGroupConsumer, errorMessage, type KafkaConnection, type KafkaConsumer, type KafkaProducer } from './kafka-client';
import { openListenedStream } from './listened-stream';
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

/** How long a member waits for the broker to take its LeaveGroup before it closes anyway. */
const LEAVE_WAIT_MS = 2_000;

/**
 * Leaves the group, then closes. `leaveGroup` first ends the membership, so a rejoin the library
 * started in the background gives up quietly; `close` alone leaves the membership active while it
 * closes the connections under that rejoin, which then fails with "Connection closed". The leave
 * is bounded (with the broker gone it would retry for seconds; the group's session timeout
 * removes the member then). Both are safe on a consumer that already left or closed.
 */
async function leaveAndClose(consumer: KafkaConsumer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // The callback form: the typings pick the promise-less overload for leaveGroup(true). Its error
  // is not the caller's business here.
  const left = new Promise<void>((resolve) => consumer.leaveGroup(true, () => resolve()));
  await Promise.race([left, new Promise<void>((resolve) => (timer = setTimeout(resolve, LEAVE_WAIT_MS)))]);
  clearTimeout(timer);
  await consumer.close(true).catch(() => undefined);
}

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
  private stream: RecordStream | undefined;
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

  /**
   * In order: fetching stops (the stream closes), the message in hand finishes and its offset is
   * committed while this member still owns the partition, then the member leaves its group and
   * its connections close (at the end of the session, see leaveAndClose). A consumer still
   * joining has nothing in hand: it leaves at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const { stream, consumer } = this;
    if (stream) await stream.close().catch(() => undefined);
    else if (consumer) await leaveAndClose(consumer);
    await this.sessions;
  }

  private async runSessions(): Promise<void> {
    const { logger, name: group, topic } = this.options;
    for (let attempt = 1; !this.stopped; attempt += 1) {
      const consumer = createGroupConsumer(this.options.kafka, group);
      this.consumer = consumer;
      consumer.on('error', (err: unknown) => this.onMembershipError(consumer, err));
      let joined = false;
      try {
        // The group's committed offsets first; a group that never committed starts at the beginning.
        // Heard from its creation (listened-stream.ts): a stop during the join fails its construction.
        const { stream, earlyFailure } = await openListenedStream<RecordStream>((done) =>
          consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST }, done),
        );
        joined = true;
        this.stream = stream;
        if (this.stopped) await stream.close();
        if (attempt > 1) logger.info('consumer joined its group', { group, topic, attempt });
        attempt = 0;
        await this.consumeUntilClosed(stream, earlyFailure);
      } catch (err) {
        if (!this.stopped && (joined || attempt === 1 || attempt % 10 === 0)) {
          logger.warn(joined ? 'consumer stream broke; joining again' : 'consumer cannot join yet; retrying', { group, topic, attempt, error: errorMessage(err) });
        }
      }
      this.stream = undefined;
      await leaveAndClose(consumer);
      if (!this.stopped) await sleep(jitteredBackoffMs(attempt, { firstMs: 250 }));
    }
  }

  /**
   * The library reports a rejoin it started by itself (a heartbeat answered "rebalance in
   * progress") that failed as the consumer's own 'error' event, and Node throws an 'error' nobody
   * listens to: a draining instance whose rejoin was cut by its own close crashed with
   * "Connection closed" at the very end of its shutdown. While running, the member is out of its
   * group: the session ends and a new one joins. Once stopping, the rejoin's end is expected.
   */
  private onMembershipError(consumer: KafkaConsumer, err: unknown): void {
    const fields = { group: this.options.name, topic: this.options.topic, error: errorMessage(err) };
    if (this.stopped || consumer !== this.consumer) {
      this.options.logger.debug('consumer rejoin ended by its close', fields);
      return;
    }
    this.options.logger.warn('consumer could not rejoin its group; joining again', fields);
    if (this.stream) void this.stream.close().catch(() => undefined);
    else void leaveAndClose(consumer);
  }

  /** Feeds the stream's messages to per-partition lanes; settles when the stream closes, after the lanes drained. */
  private async consumeUntilClosed(stream: RecordStream, earlyFailure: () => unknown): Promise<void> {
    const lanes = new PartitionLanes<ConsumedRecord>({ work: (message) => this.handleUntilDone(message), concurrency: PARTITIONS_IN_PARALLEL, maxQueued: 500, flow: stream });
    let failure: unknown;
    await new Promise<void>((resolve) => {
      stream.on('data', (message: ConsumedRecord) => lanes.push(String(message.partition), message));
      // `on`, not `once`: a stream closing under a lost connection can emit more than one error, and
      // an unhandled second one crashed a draining instance (uncaughtException, Connection closed)
      // before it left its group, so its successor waited for the group's session timeout.
      stream.on('error', (err) => (failure ??= err));
      stream.once('close', resolve);
      // Already destroyed (its construction failed): no 'close' is coming for these listeners.
      if (stream.destroyed) resolve();
    });
    await lanes.idle();
    failure ??= earlyFailure();
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
    // The effect, its queries and its log lines belong to the request that produced the event: one
    // span, a child of the publish span whose traceparent the message carries.
    const attributes = { 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': this.options.topic, 'messaging.consumer.group.name': this.options.name, 'messaging.message.id': event.id };
    await requestContext.inSpan(`process ${this.options.topic}`, { kind: SpanKind.CONSUMER, attributes }, requestContext.fromHeaders(traceHeaders(trace)), () =>
      this.applyWithRetries(event, trace, handler, message),
    );
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
          // As `err`, so the line keeps the error's type and stack and gets its group (error.fingerprint).
          logger.error('event failed; sent to the dead-letter topic', { requestId: trace.requestId, eventId: event.id, eventType: event.type, attempts: attempt, err: err instanceof Error ? err : new Error(reason) });
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

