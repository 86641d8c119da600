import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger';
import type { ServiceMetrics } from '../metrics/registry';
import { installHealthRoutes, type HealthState } from './health';
import { installProblemHandlers } from './problem';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

export interface HttpAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  health: HealthState;
  bodyLimit: number;
}

const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The Fastify instance every service starts from: request ids on every response and log line,
 * health and metrics routes, problem+json errors, request timing by route and status.
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
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    // While draining, every answer ends its connection, so keep-alive clients reconnect elsewhere
    // and no idle socket holds the server open once it closes.
    if (options.health.draining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
    if (QUIET_ROUTES.has(route)) return;
    logger.info('request completed', {
      requestId: request.id,
      http: { method: request.method, route, status: reply.statusCode },
      url: request.url.split('?')[0],
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    });
  });

  installProblemHandlers(app, logger);
  installHealthRoutes(app, options.health);
  app.get('/metrics', { logLevel: 'silent' }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}
