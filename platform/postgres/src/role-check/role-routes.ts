import type { FastifyInstance } from 'fastify';
import { MAX_REPLICA_LAG_LIMIT_MS, REPLICA_LAG_QUERY, probeRoute } from '@platform/service-kit';
import { servesAsPrimary, servesAsReplica, type RoleObserver } from './role-observer';

/**
 * What load balancers and Consul ask. Status codes carry the answer (a check reads nothing else);
 * the JSON body says why, and Consul keeps it as the check's output.
 *   GET /primary  200 only on a reachable primary
 *   GET /replica  200 only on a reachable replica whose lag is within the bound
 *                 (POSTGRES_MAX_REPLICA_LAG_MS, or ?lag=N in ms: a load balancer may set its own)
 *   GET /health   200 serving in its role, 429 a replica over the bound (Consul: warning), 503 down
 */
export function installRoleRoutes(app: FastifyInstance, observer: RoleObserver): void {
  app.get('/primary', probeRoute, async (_request, reply) => {
    const report = observer.report();
    return reply.code(servesAsPrimary(report) ? 200 : 503).send(report);
  });
  app.get<{ Querystring: { [REPLICA_LAG_QUERY]?: number } }>(
    '/replica',
    { ...probeRoute, schema: { querystring: { type: 'object', properties: { [REPLICA_LAG_QUERY]: { type: 'integer', minimum: 0, maximum: MAX_REPLICA_LAG_LIMIT_MS } } } } },
    async (request, reply) => {
      const report = observer.report();
      const maxLagMs = request.query[REPLICA_LAG_QUERY] ?? report.maxLagMs;
      return reply.code(servesAsReplica(report, maxLagMs) ? 200 : 503).send({ ...report, maxLagMs });
    },
  );
  app.get('/health', probeRoute, async (_request, reply) => {
    const report = observer.report();
    const status = servesAsPrimary(report) || servesAsReplica(report) ? 200 : report.reachable && report.role === 'replica' ? 429 : 503;
    return reply.code(status).send(report);
  });
}
