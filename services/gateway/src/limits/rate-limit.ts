import proxyAddr from '@fastify/proxy-addr';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '@platform/service-kit';
import '../request-state';

export interface RateLimitSettings {
  max: number;
  windowMs: number;
  /** Proxies in front of the gateway whose X-Forwarded-For names the real client. */
  trustedProxies: readonly string[];
  /** A client's own limit, when it has one. */
  maxFor(clientId: string | null): number | undefined;
}

/**
 * Per-client limits with @fastify/rate-limit (in-memory, so per gateway instance: N instances
 * behind the edge let a client through up to N times the limit). The key is the authenticated
 * client id, which the route's onRequest hooks set before this hook runs; anonymous callers of
 * public routes are counted by IP. Over the limit: 429 problem+json with Retry-After in seconds.
 * Registered in the gateway's scope before its routes, so the kit's health and metrics routes,
 * which Consul and Prometheus call often, are never limited.
 */
export async function installRateLimit(scope: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  const trust = proxyAddr.compile([...settings.trustedProxies]);
  const clientIp = (request: FastifyRequest): string => (settings.trustedProxies.length > 0 ? proxyAddr(request.raw, trust) : request.ip);

  await scope.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: (request) => settings.maxFor(request.clientId) ?? settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: (request) => (request.clientId !== null ? `client:${request.clientId}` : `ip:${clientIp(request)}`),
    // Keys of clients that stopped calling age out; a flood of distinct IPs cannot grow memory past this.
    cache: 100_000,
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, 'Too Many Requests', `Rate limit of ${context.max} requests reached; retry in ${context.after}.`, { limit: context.max }),
  });
}
