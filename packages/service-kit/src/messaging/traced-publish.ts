import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TRACEPARENT_HEADER } from '../logging/traceparent';
import type { RecordHeaders } from './envelope';

export interface OutgoingRecord {
  topic: string;
  key: Buffer;
  value: Buffer;
  headers: RecordHeaders;
}

const tracer = () => trace.getTracer('@platform/service-kit');

const headerText = (headers: RecordHeaders, name: string): string | undefined => {
  for (const [key, value] of headers) if (key.toString() === name) return value.toString();
  return undefined;
};

/**
 * Sends `records` (one batch of the outbox relay) with a `publish <topic>` span per record, each
 * a child of the request that wrote the event (the traceparent the outbox row carries); the
 * record then carries the publish span as its parent, so the consumer's span hangs below it.
 * The Kafka client has no instrumentation of its own; these spans are its part of the trace.
 */
export async function publishTraced<T>(records: OutgoingRecord[], send: (records: OutgoingRecord[]) => Promise<T>): Promise<T> {
  const spans = records.map((record) => {
    const carried = headerText(record.headers, TRACEPARENT_HEADER);
    if (carried === undefined) return undefined;
    const parent = propagation.extract(ROOT_CONTEXT, { [TRACEPARENT_HEADER]: carried });
    const span = tracer().startSpan(
      `publish ${record.topic}`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': record.topic, 'messaging.batch.message_count': records.length } },
      parent,
    );
    const next: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), next);
    if (next[TRACEPARENT_HEADER]) {
      for (const key of [...record.headers.keys()]) if (key.toString() === TRACEPARENT_HEADER) record.headers.delete(key);
      record.headers.set(Buffer.from(TRACEPARENT_HEADER), Buffer.from(next[TRACEPARENT_HEADER]));
    }
    return span;
  });
  try {
    // The send itself runs outside any request: the producer's own sockets are not the request's work.
    return await context.with(ROOT_CONTEXT, () => send(records));
  } catch (err) {
    for (const span of spans) span?.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    for (const span of spans) span?.end();
  }
}
