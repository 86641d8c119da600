import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger';
import type { ServiceMetrics } from '../metrics/registry';
import { clientErrorAnswer } from './client-error';
import { installHealthRoutes, type HealthState } from './health';
import { installInputLimits } from './input-limits';
import { installOpenApi, type OpenApiInfo } from './openapi';
import { installProblemHandlers } from './problem';
import { isProbe, probeRoute } from './probe-route';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';
import { contextOf, installRequestScope } from './request-scope';
import { requestContext } from '../logging/request-context';

export interface HttpAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  health: HealthState;
  bodyLimit: number;
  /** Title and version of the service's OpenAPI document (GET /openapi.json). */
  openApi?: OpenApiInfo;
}

/**
 * The Fastify instance every service starts from: request ids on every response and log line,
 * health and metrics routes, problem+json errors, input limits past schema validation, request
 * timing by route and status.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { logger, metrics } = options;
  const app = Fastify({
    logger: false,
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimit,
    // Idle keep-alive sockets are closed on shutdown; busy ones finish their request first.
    forceCloseConnections: 'idle',
    requestTimeout: 30_000,
    // Longer than any load balancer keeps an idle connection, so the balancer always closes first
    // and never sends a request on a socket this server is closing at that moment.
    keepAliveTimeout: 65_000,
    return503OnClosing: false,
    clientErrorHandler: clientErrorAnswer(logger),
  });

  installRequestScope(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    // While draining, every answer ends its connection, so keep-alive clients reconnect elsewhere
    // and no idle socket holds the server open once it closes.
    if (options.health.draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (isProbe(request)) return;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    // ECS names; event.duration is in nanoseconds. onResponse runs after the reply left, outside
    // the request's context, so the line is logged inside it again to carry the request's ids.
    const line = {
      'http.request.method': request.method,
      'http.route': route,
      'http.response.status_code': reply.statusCode,
      'url.path': request.url.split('?')[0],
      'event.duration': Math.round(reply.elapsedTime * 1e6),
    };
    const context = contextOf(request);
    if (context) requestContext.run(context, () => logger.info('request completed', line));
    else logger.info('request completed', { ...line, requestId: request.id });
  });

  installProblemHandlers(app, logger);
  installInputLimits(app);
  installOpenApi(app, options.openApi ?? { title: 'service', version: '0.0.0' });
  installHealthRoutes(app, options.health, logger);
  app.get('/metrics', probeRoute, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}
