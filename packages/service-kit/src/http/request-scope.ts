import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestContext, type RequestContext } from '../logging/request-context';

const contexts = new WeakMap<FastifyRequest, RequestContext>();

/** The context a request runs in (its id, trace and span), for hooks that run outside it. */
export const contextOf = (request: FastifyRequest): RequestContext | undefined => contexts.get(request);

/**
 * Runs every request inside its RequestContext, so each line logged while serving it (in the
 * service's handlers, the kit, or libraries they call) carries its request id and trace id.
 * The request id is Fastify's (genReqId keeps a caller's valid X-Request-Id); the trace continues
 * a caller's W3C traceparent, or starts here.
 *
 * The context is entered twice: at onRequest, and again at preValidation, because Fastify parses
 * the body from the socket's own events, which do not carry the context into the handler.
 */
export function installRequestScope(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const context = requestContext.fromHeaders(request.headers, request.id);
    contexts.set(request, context);
    requestContext.run(context, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const context = contexts.get(request);
    if (context) requestContext.run(context, done);
    else done();
  });
}
