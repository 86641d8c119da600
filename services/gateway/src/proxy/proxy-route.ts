import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, NotFoundError, type Logger } from '@platform/service-kit';
import { authenticate, type Authenticator } from '../auth/authenticate';
import '../request-state';
import { matchRoute, type RouteTable } from '../routing/route-table';
import { forward } from './forward';
import { normaliseUrl } from './normalise-path';

/**
 * The catch-all route. Its onRequest hooks run in order before the body is read: normalise the
 * path (400) and match the route on that path (404, or 503 while no instance passes), then
 * authenticate (401); the rate limiter, registered on the scope, appends its own hook after these,
 * so it counts by the authenticated client. Only then is the body read (413, 400) and the same
 * normalised path forwarded.
 */
export function installProxyRoute(scope: FastifyInstance, options: { routes: () => RouteTable; auth: Authenticator; logger: Logger }): void {
  const resolveRoute = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { path, query } = normaliseUrl(request.url);
    const route = matchRoute(options.routes(), path);
    if (!route) throw new NotFoundError(`No route for ${request.method} ${path}`);
    if (!route.available) {
      reply.header('retry-after', '1');
      throw new HttpProblem(503, 'Service Unavailable', `No instance of the ${route.service} service is available right now.`);
    }
    request.gatewayRoute = route;
    request.gatewayUrl = `${path}${query}`;
  };
  const authenticateRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => authenticate(options.auth, request, reply);

  scope.all('/*', { onRequest: [resolveRoute, authenticateRequest] }, (request, reply) => forward(request, reply, options.logger));
}
