import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Answers a load balancer's, Consul's or Prometheus's question (health, role, metrics): asked
     * several times a second by every checker, and a "no" (503) is the right answer, not a failure.
     * Such requests are neither logged nor counted in http_request_duration_seconds, which then
     * describes the traffic callers send.
     */
    probe?: boolean;
  }
}

/** Route options marking a route as a probe (see FastifyContextConfig.probe). */
export const probeRoute = { config: { probe: true } };

export const isProbe = (request: FastifyRequest): boolean => request.routeOptions.config?.probe === true;
