import { ProduceAcks } from '@platformatic/kafka';
import type { Queryable, WritePool } from '../db/database';
import type { Logger } from '../logging/logger';
import type { RecordHeaders } from './envelope';
import { errorMessage, type KafkaProducer } from './kafka-client';
import { OUTBOX_SHARDS } from './outbox';
import { jitteredBackoffMs, sleep } from '../util/backoff';
import { publishTraced } from './traced-publish';

export interface OutboxRelayOptions {
  /** The service's write pool (the primary): the relay's lease and updates are transactions there. */
  db: WritePool;
  /** An idempotent producer (acks from all in-sync replicas); see kafka-client.ts. */
  producer: KafkaProducer;
  logger: Logger;
  batchSize?: number;
  /** Sent rows older than this are deleted, in batches, every `cleanupEveryMs` (1 h, 1 min). */
  keepSentMs?: number;
  cleanupEveryMs?: number;
  /** Pause after a pass that found nothing to send. */
  idleMs?: number;
  onPublished?(count: number): void;
}

/** Advisory lock class of the relay lease (the shard is the second key). */
const LEASE_CLASS = 0x0b0c;

interface OutboxRow {
  seq: string;
  topic: string;
  key: string;
  value: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes committed outbox rows to Kafka and marks them sent. Any number of instances may run
 * a relay: each pass leases the shards no one else holds (transaction-scoped advisory locks) and
 * takes their rows `FOR UPDATE SKIP LOCKED`, so no row is relayed by two instances at once and
 * one aggregate's events (one shard) go out in commit order. A crash between send and commit
 * sends a batch again; consumers skip duplicates by event id.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private failures = 0;
  private lastCleanup = Date.now();

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.relayOnce();
        if (this.failures > 0) this.options.logger.info('outbox relay publishing again', { afterFailures: this.failures });
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.warn('outbox relay could not publish; events stay in the outbox', { attempt: this.failures, error: errorMessage(err) });
        }
        await sleep(jitteredBackoffMs(this.failures));
        continue;
      }
      if (sent === 0) await sleep(this.options.idleMs ?? 20);
      if (Date.now() - this.lastCleanup > (this.options.cleanupEveryMs ?? 60_000)) await this.deleteOldSentRows();
    }
  }

  /** Keeps the outbox small: published rows are only kept for a while, for inspection. */
  private async deleteOldSentRows(): Promise<void> {
    this.lastCleanup = Date.now();
    const keepMs = this.options.keepSentMs ?? 3_600_000;
    try {
      await this.options.db.query('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE sent_at < now() - $1 * interval \'1 millisecond\' LIMIT 10000)', [keepMs]);
    } catch (err) {
      this.options.logger.warn('could not delete old sent outbox rows', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** One pass: lease free shards, send their oldest pending rows, mark them sent. Returns how many. */
  async relayOnce(): Promise<number> {
    const sent = await this.options.db.transaction(async (tx) => {
      const shards = await this.leaseShards(tx);
      if (shards.length === 0) return 0;
      const { rows } = await tx.query<OutboxRow>(
        'SELECT seq, topic, key, value, headers FROM outbox WHERE sent_at IS NULL AND shard = ANY($1) ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED',
        [shards, this.options.batchSize ?? 500],
      );
      if (rows.length > 0) {
        await publishTraced(rows.map(toProducerRecord), (messages) => this.options.producer.send({ acks: ProduceAcks.ALL, messages }));
        await tx.query('UPDATE outbox SET sent_at = now() WHERE seq = ANY($1)', [rows.map((r) => r.seq)]);
      }
      return rows.length;
    });
    if (sent > 0) this.options.onPublished?.(sent);
    return sent;
  }

  private async leaseShards(tx: Queryable): Promise<number[]> {
    const { rows } = await tx.query<{ shard: number }>(
      'SELECT s AS shard FROM generate_series(0, $1 - 1) AS s WHERE pg_try_advisory_xact_lock($2, s)',
      [OUTBOX_SHARDS, LEASE_CLASS],
    );
    return rows.map((r) => r.shard);
  }
}

/** Keyed by aggregate id (the row's key), so one aggregate keeps its partition and its order. */
function toProducerRecord(row: OutboxRow): { topic: string; key: Buffer; value: Buffer; headers: RecordHeaders } {
  const headers: RecordHeaders = new Map(Object.entries(row.headers).map(([name, value]) => [Buffer.from(name), Buffer.from(value)]));
  return { topic: row.topic, key: Buffer.from(row.key), value: Buffer.from(JSON.stringify(row.value)), headers };
}

