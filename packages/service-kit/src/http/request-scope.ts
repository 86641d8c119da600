import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestContext, type RequestContext } from '../logging/request-context';
import { startServerSpan } from '../tracing/http-spans';
import { CLIENT_ID_HEADER, clientIdFrom } from './client-id';
import { isProbe } from './probe-route';

const contexts = new WeakMap<FastifyRequest, RequestContext>();
const spanEnds = new WeakMap<FastifyRequest, (status: number) => void>();

/** The context a request runs in (its id, trace and span), for hooks that run outside it. */
export const contextOf = (request: FastifyRequest): RequestContext | undefined => contexts.get(request);

/**
 * Runs every request inside its RequestContext, so each line logged while serving it (in the
 * service's handlers, the kit, or libraries they call) carries its request id and trace id.
 * The request id is Fastify's (genReqId keeps a caller's valid X-Request-Id); the trace is the
 * request's server span (continuing a caller's W3C traceparent, or starting one), named after the
 * route it matched and ended with the answer's status. Probes (health, metrics) get no span: they
 * continue the caller's trace as sent, if any.
 *
 * The context is entered twice: at onRequest, and again at preValidation, because Fastify parses
 * the body from the socket's own events, which do not carry the context into the handler.
 */
export function installRequestScope(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    let rc: RequestContext;
    if (isProbe(request)) rc = requestContext.fromHeaders(request.headers, request.id);
    else {
      const span = startServerSpan(request.method, request.routeOptions.url, request.headers);
      spanEnds.set(request, span.end);
      rc = requestContext.withRequestId(span.otel, request.id, clientIdFrom(request.headers[CLIENT_ID_HEADER]));
    }
    contexts.set(request, rc);
    requestContext.run(rc, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const rc = contexts.get(request);
    if (rc) requestContext.run(rc, done);
    else done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    spanEnds.get(request)?.(reply.statusCode);
    done();
  });
}
