import { AsyncLocalStorage } from 'node:async_hooks';
import { REQUEST_ID_HEADER, requestIdFrom } from '../http/request-id';
import { formatTraceParent, NEW_TRACE_FLAGS, newSpanId, newTraceId, parseTraceParent, TRACEPARENT_HEADER } from './traceparent';

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
    const parent = parseTraceParent(headers[TRACEPARENT_HEADER]);
    return {
      requestId: requestId ?? requestIdFrom(headers[REQUEST_ID_HEADER]),
      traceId: parent?.traceId ?? newTraceId(),
      spanId: newSpanId(),
      parentSpanId: parent?.parentId,
      traceFlags: parent?.flags ?? NEW_TRACE_FLAGS,
    };
  },

  /**
   * Headers that make a downstream call (HTTP or a published event) part of `context`, by default
   * the current request's; none outside a request. The one place these headers are built: the
   * service client, the outbox and the gateway all use it.
   */
  outgoingHeaders(context: RequestContext | undefined = storage.getStore()): Record<string, string> {
    if (!context) return {};
    return { [REQUEST_ID_HEADER]: context.requestId, [TRACEPARENT_HEADER]: formatTraceParent(context.traceId, context.spanId, context.traceFlags) };
  },
};
