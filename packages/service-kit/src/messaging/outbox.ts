import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database';
import { requestContext } from '../logging/request-context';
import type { EventEnvelope, EventTrace } from './envelope';
import { toKafkaMessage, traceFromHeaders } from './envelope';

/** Relay lease shards; more shards let more relays work at once, each aggregate stays in one. */
export const OUTBOX_SHARDS = 8;

export function shardOf(aggregateId: string): number {
  return createHash('sha1').update(aggregateId).digest().readUInt16BE(0) % OUTBOX_SHARDS;
}

/**
 * Records an event in the outbox on `tx`, the caller's transaction (`db.write.transaction`):
 * the event exists exactly when the business change it describes was committed. The request
 * being served (its id and traceparent) goes with the event unless `trace` says otherwise.
 */
export async function appendToOutbox(tx: Queryable, topic: string, event: EventEnvelope, trace: EventTrace = currentTrace()): Promise<void> {
  const message = toKafkaMessage(event, trace);
  await tx.query('INSERT INTO outbox (event_id, topic, key, value, headers, shard) VALUES ($1, $2, $3, $4, $5, $6)', [
    event.id,
    topic,
    event.aggregateId,
    message.value,
    JSON.stringify(message.headers ?? {}),
    shardOf(event.aggregateId),
  ]);
}

const currentTrace = (): EventTrace => traceFromHeaders(requestContext.outgoingHeaders());
