import { context, createContextKey, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { CLIENT_ID_HEADER, clientIdFrom } from '../http/client-id';
import { REQUEST_ID_HEADER, requestIdFrom } from '../http/request-id';

/** What every log line written while serving one request carries, wherever the code runs. */
export interface RequestContext {
  requestId: string;
  /** The trace and the active span (OTel's); empty when no span is active. */
  traceId: string;
  spanId: string;
  traceFlags: string;
  /** The authenticated caller the edge named (X-Client-Id), when there is one: feature flags split by it. */
  clientId?: string;
  /** The OpenTelemetry context this describes: the one store of the request's trace. */
  readonly otel: Context;
}

export type IncomingHeaders = Record<string, string | string[] | undefined>;

const REQUEST_ID = createContextKey('platform.request-id');
const CLIENT_ID = createContextKey('platform.client-id');
const tracer = () => trace.getTracer('@platform/service-kit');

const describe = (otel: Context): RequestContext | undefined => {
  const requestId = otel.getValue(REQUEST_ID);
  if (typeof requestId !== 'string') return undefined;
  const span = trace.getSpanContext(otel);
  const valid = span !== undefined && trace.isSpanContextValid(span);
  const clientId = otel.getValue(CLIENT_ID);
  return {
    requestId,
    traceId: valid ? span.traceId : '',
    spanId: valid ? span.spanId : '',
    traceFlags: valid ? span.traceFlags.toString(16).padStart(2, '0') : '00',
    ...(typeof clientId === 'string' ? { clientId } : {}),
    otel,
  };
};

/**
 * Request context for code beyond the HTTP handlers: a gateway passing the ids on, an event
 * consumer continuing the request that produced the event, a background job starting a new one.
 * The trace lives in OpenTelemetry's context (the kit's server span, http-spans.ts, while a
 * request is served); the request id rides in the same context, so there is one store.
 */
export const requestContext = {
  /** The context of the work running now (or of OTel context `otel`), if it belongs to a request. */
  current(otel: Context = context.active()): RequestContext | undefined {
    return describe(otel);
  },

  /** Runs `fn` (and everything it starts, sync or async) inside `rc`. */
  run<T>(rc: RequestContext, fn: () => T): T {
    return context.with(rc.otel, fn);
  },

  /** `otel` (a span's context, as the kit's server span made it) as the context of request `requestId` (of caller `clientId`). */
  withRequestId(otel: Context, requestId: string, clientId?: string): RequestContext {
    const withIds = otel.setValue(REQUEST_ID, requestId);
    return describe(clientId === undefined ? withIds : withIds.setValue(CLIENT_ID, clientId)) as RequestContext;
  },

  /**
   * The context continuing the request described by `headers` (x-request-id, traceparent), as
   * they arrive on an HTTP request or in a message's headers: the caller's span is the parent of
   * whatever span starts inside it (`inSpan`). A fresh request id when it is missing.
   */
  fromHeaders(headers: IncomingHeaders, requestId?: string): RequestContext {
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    return requestContext.withRequestId(parent, requestId ?? requestIdFrom(headers[REQUEST_ID_HEADER]), clientIdFrom(headers[CLIENT_ID_HEADER]));
  },

  /**
   * Runs `fn` in a new span of `rc` (by default the current context), ended when `fn` settles and
   * marked as an error when it throws: an event's consume+apply, a publish, a background job.
   */
  async inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes }, rc: RequestContext | undefined, fn: (rc: RequestContext) => Promise<T>): Promise<T> {
    const parent = rc?.otel ?? context.active();
    const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
    const inner = trace.setSpan(parent, span);
    try {
      return await context.with(inner, () => fn(describe(inner) ?? requestContext.withRequestId(inner, requestIdFrom(undefined))));
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  },

  /**
   * Headers that make a downstream call (HTTP or a published event) part of `rc`, by default the
   * current request's; none outside a request. The one place these headers are built: the
   * service client, the outbox and the gateway all use it (W3C traceparent, through OTel).
   */
  outgoingHeaders(rc: RequestContext | undefined = requestContext.current()): Record<string, string> {
    if (!rc) return {};
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: rc.requestId };
    propagation.inject(rc.otel, headers);
    return headers;
  },
};
