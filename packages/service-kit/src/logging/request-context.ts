import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { formatTraceParent, newSpanId, newTraceId, parseTraceParent } from './traceparent';

/** What every log line written while serving one request carries, wherever the code runs. */
export interface RequestContext {
  requestId: string;
  traceId: string;
  /** This hop's span; a downstream call names it as its parent. */
  spanId: string;
  parentSpanId?: string;
  traceFlags: string;
}

export type IncomingHeaders = Record<string, string | string[] | undefined>;

const storage = new AsyncLocalStorage<RequestContext>();

// Same rule as the HTTP layer: printable, short, no separators, so ids cannot inject into logs.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Request context for code beyond the HTTP handlers: a gateway passing the ids on, an event
 * consumer continuing the request that produced the event, a background job starting a new one.
 */
export const requestContext = {
  /** The context of the work running now, if it belongs to a request. */
  current(): RequestContext | undefined {
    return storage.getStore();
  },

  /** Runs `fn` (and everything it starts, sync or async) inside `context`. */
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },

  /**
   * A context continuing the request described by `headers` (x-request-id, traceparent), as they
   * arrive on an HTTP request or in a message's headers; fresh ids for whatever is missing.
   */
  fromHeaders(headers: IncomingHeaders, requestId?: string): RequestContext {
    const incomingId = headers['x-request-id'];
    const id = requestId ?? (typeof incomingId === 'string' && VALID_REQUEST_ID.test(incomingId) ? incomingId : randomUUID());
    const parent = parseTraceParent(headers.traceparent);
    return {
      requestId: id,
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      parentSpanId: parent?.parentId,
      traceFlags: parent?.flags ?? '01',
    };
  },

  /** Headers that make a downstream call (HTTP or a published event) part of the current request. */
  outgoingHeaders(): Record<string, string> {
    const context = storage.getStore();
    if (!context) return {};
    return { 'x-request-id': context.requestId, traceparent: formatTraceParent(context.traceId, context.spanId, context.traceFlags) };
  },
};
