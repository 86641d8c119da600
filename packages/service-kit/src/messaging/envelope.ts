import { randomUUID } from 'node:crypto';
import { KitError } from '../errors/kit-errors';
import { REQUEST_ID_HEADER } from '../http/request-id';
import { TRACEPARENT_HEADER } from '../logging/traceparent';

/** A record as the outbox stores it and the relay sends it: key, JSON value, string headers. */
export interface OutgoingRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Headers of a record as the client takes and gives them: names and values as bytes. */
export type RecordHeaders = Map<Buffer, Buffer>;

/** Every event on the platform, whatever its type; the payload is the type's own. */
export interface EventEnvelope<P = unknown> {
  id: string;
  type: string;
  aggregateId: string;
  occurredAt: string;
  schemaVersion: number;
  payload: P;
}

/** Request-scoped context that travels in Kafka headers, never in the payload. */
export interface EventTrace {
  requestId?: string;
  traceparent?: string;
}

/** The context headers of `trace`, as the request context writes them (and reads them back). */
export function traceHeaders(trace: EventTrace): Record<string, string> {
  const headers: Record<string, string> = {};
  if (trace.requestId) headers[REQUEST_ID_HEADER] = trace.requestId;
  if (trace.traceparent) headers[TRACEPARENT_HEADER] = trace.traceparent;
  return headers;
}

/** The trace carried by context headers (`requestContext.outgoingHeaders()` or a message's). */
export const traceFromHeaders = (headers: Record<string, string | undefined>): EventTrace => ({ requestId: headers[REQUEST_ID_HEADER], traceparent: headers[TRACEPARENT_HEADER] });

export function newEvent<P>(type: string, aggregateId: string, payload: P, schemaVersion = 1): EventEnvelope<P> {
  return { id: randomUUID(), type, aggregateId, occurredAt: new Date().toISOString(), schemaVersion, payload };
}

/** Keyed by aggregate id, so one aggregate's events land in one partition, in order. */
export function toKafkaMessage(event: EventEnvelope, trace: EventTrace): OutgoingRecord {
  return { key: event.aggregateId, value: JSON.stringify(event), headers: { 'event-id': event.id, 'event-type': event.type, ...traceHeaders(trace) } };
}

/** A record that is not one of the platform's events; the consumer skips it (retrying cannot help). */
export class MalformedEventError extends KitError {
  constructor(message: string) {
    super('KIT_EVENT_MALFORMED', message);
  }
}

const header = (headers: RecordHeaders | undefined, name: string): string | undefined => {
  for (const [key, value] of headers ?? []) if (key.toString('utf8') === name) return value.toString('utf8');
  return undefined;
};

/** Parses and checks a consumed message; a message that is not an envelope is a poison message. */
export function fromKafkaMessage(value: Buffer | null | undefined, headers: RecordHeaders | undefined): { event: EventEnvelope; trace: EventTrace } {
  if (!value || value.length === 0) throw new MalformedEventError('message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new MalformedEventError('message value is not JSON');
  }
  const e = parsed as Partial<EventEnvelope>;
  if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || typeof e.type !== 'string' || typeof e.aggregateId !== 'string' || typeof e.schemaVersion !== 'number') {
    throw new MalformedEventError('message is not an event envelope (id, type, aggregateId, schemaVersion)');
  }
  return { event: e as EventEnvelope, trace: traceFromHeaders({ [REQUEST_ID_HEADER]: header(headers, REQUEST_ID_HEADER), [TRACEPARENT_HEADER]: header(headers, TRACEPARENT_HEADER) }) };
}
