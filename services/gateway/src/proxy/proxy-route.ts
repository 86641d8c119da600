import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, InputError, NotFoundError, type Logger } from '@platform/service-kit';
import { authenticate, type Authenticator } from '../auth/authenticate';
import '../request-state';
import { matchRoute, type RouteTable } from '../routing/route-table';
import { forward } from './forward';

/**
 * Rejects paths whose meaning could change on the way: undecodable percent-encoding, and `.`/`..`
 * segments (also encoded), which a later hop might resolve into another service's prefix after
 * the gateway matched and authorised the route.
 */
function checkPath(path: string): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new InputError('The request path is not valid percent-encoding.');
  }
  if (decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) {
    throw new InputError('The request path must not contain "." or ".." segments.');
  }
}

/**
 * The catch-all route. Its onRequest hooks run in order before the body is read: match the route
 * (404, or 503 while no instance passes), then authenticate (401); the rate limiter, registered
 * on the scope, appends its own hook after these, so it counts by the authenticated client. Only
 * then is the body read (413, 400) and the request forwarded.
 */
export function installProxyRoute(scope: FastifyInstance, options: { routes: () => RouteTable; auth: Authenticator; logger: Logger }): void {
  const resolveRoute = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = request.url.split('?')[0] ?? request.url;
    checkPath(path);
    const route = matchRoute(options.routes(), path);
    if (!route) throw new NotFoundError(`No route for ${request.method} ${path}`);
    if (!route.available) {
      reply.header('retry-after', '1');
      throw new HttpProblem(503, 'Service Unavailable', `No instance of the ${route.service} service is available right now.`);
    }
    request.gatewayRoute = route;
  };
  const authenticateRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => authenticate(options.auth, request, reply);

  scope.all('/*', { onRequest: [resolveRoute, authenticateRequest] }, (request, reply) => forward(request, reply, options.logger));
}
