import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { IncomingHeaders } from '../logging/request-context';

/**
 * The spans of HTTP requests, made by the kit itself where it already holds what names them: the
 * Fastify hooks (the server span, named after the route matched) and the service client (the
 * client span, named after the service and route called). No instrumentation of `http`: it gave
 * each request a dozen attributes (addresses, ports, protocol, user agent, path) and bound its
 * emitters to the context, for a span the kit renamed anyway; its client span knew no route.
 *
 * Attributes are the few a person reads in a trace (method, route, status); the path with its
 * ids, the client's address and the headers are in the request's log line, which carries the
 * same trace and span ids.
 */
const tracer = trace.getTracer('@platform/service-kit');

/** `GET /users/:id`; a request no route matched is named by its method alone (never by its raw path). */
export function serverSpanName(method: string, route: string | undefined): string {
  return route ? `${method} ${route}` : method;
}

/**
 * `GET users /users/:id`: the service called and the route template when the caller names it,
 * never the raw path (its ids would make every call a new operation in the trace store).
 */
export function clientSpanName(method: string, service: string, route: string | undefined): string {
  return route ? `${method} ${service} ${route}` : `${method} ${service}`;
}

/** An HTTP status as a span's status: a 5xx is the server's failure; a 4xx is the caller's answer. */
const endWithStatus = (span: Span, status: number): void => {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
};

/**
 * The context a request is served in: a server span continuing the caller's W3C traceparent (or
 * starting a trace), made current for the handler; `end` closes it with the answer's status.
 */
export function startServerSpan(method: string, route: string | undefined, headers: IncomingHeaders): { otel: Context; end(status: number): void } {
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const attributes = route ? { 'http.request.method': method, 'http.route': route } : { 'http.request.method': method };
  const span = tracer.startSpan(serverSpanName(method, route), { kind: SpanKind.SERVER, attributes }, parent);
  return { otel: trace.setSpan(parent, span), end: (status) => endWithStatus(span, status) };
}

export interface ClientSpan {
  /** The context the call's headers are taken from: the client span's, so the callee is its child. */
  otel: Context;
  end(status: number): void;
  fail(err: Error): void;
}

/**
 * A client span for a call made while a recorded span is active (a sampled request's work);
 * none otherwise: background calls are not a request's, and an unsampled request passes its own
 * span on as the callee's parent, as it would have with a span nobody records.
 */
export function startClientSpan(method: string, service: string, route: string | undefined): ClientSpan | undefined {
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return undefined;
  const attributes = route ? { 'http.request.method': method, 'server.address': service, 'http.route': route } : { 'http.request.method': method, 'server.address': service };
  const span = tracer.startSpan(clientSpanName(method, service, route), { kind: SpanKind.CLIENT, attributes }, parent);
  return {
    otel: trace.setSpan(parent, span),
    end: (status) => endWithStatus(span, status),
    fail: (err) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
    },
  };
}
