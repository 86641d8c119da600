import { ConfigError, env, type ServiceConfig } from '@platform/service-kit';
import { z } from 'zod';
import { DEFAULT_GRANTS_FILE } from './routing/route-grants';

/**
 * The gateway's own variables, on top of the kit's (README "Gateway" lists them). As for every
 * service, the environment wins over the defaults written here and there is no other source.
 */
export const gatewayConfigShape = {
  /**
   * The internal load balancer; the gateway names the target service in the Host header. The kit
   * declares it optional (only services that call others need it); the gateway cannot work
   * without one, so here it defaults to the platform's internal listener.
   */
  INTERNAL_LB_ADDR: env.hostPortVar.default('127.0.0.1:8081'),
  /** JSON file of API key hashes: [{ "clientId": "...", "sha256": "<hex>", "rateLimitMax"?: n }]. */
  GATEWAY_API_KEYS_FILE: z.string().min(1).optional(),
  /** File holding the HS256 secret (at least 32 bytes); JWT authentication is off without it. */
  GATEWAY_JWT_SECRET_FILE: z.string().min(1).optional(),
  GATEWAY_JWT_ISSUER: z.string().min(1).optional(),
  GATEWAY_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Prefixes outside `/<name>` that services may declare (README "Gateway"); the repo's file by default. */
  GATEWAY_ROUTE_GRANTS_FILE: z.string().min(1).default(DEFAULT_GRANTS_FILE),
  GATEWAY_JWT_CLOCK_TOLERANCE_MS: env.integerVar(0, 300_000).default('5000'),
  /** Requests per window and client (authenticated client id, else client IP). */
  GATEWAY_RATE_LIMIT_MAX: env.integerVar(1, 10_000_000).default('600'),
  GATEWAY_RATE_LIMIT_WINDOW_MS: env.integerVar(1000, 86_400_000).default('60000'),
  /** Addresses of proxies in front of the gateway (the edge) whose X-Forwarded-For is believed. */
  GATEWAY_TRUSTED_PROXIES: env.csvVar.default(''),
  GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS: env.integerVar(100, 60_000).default('2000'),
  /** Longest wait for the upstream's response headers, then between body chunks. */
  GATEWAY_UPSTREAM_TIMEOUT_MS: env.integerVar(100, 600_000).default('15000'),
  GATEWAY_UPSTREAM_CONNECTIONS: env.integerVar(1, 10_000).default('128'),
  /** Kept below the load balancer's own keep-alive timeout, so the gateway never reuses a socket the LB is closing. */
  GATEWAY_UPSTREAM_KEEPALIVE_MS: env.integerVar(100, 600_000).default('4000'),
};

export type GatewayConfig = ServiceConfig<typeof gatewayConfigShape>;

/** Rules that span variables, which the per-variable schemas cannot express. */
export function checkGatewayConfig(config: GatewayConfig): void {
  const problems: string[] = [];
  if (config.GATEWAY_JWT_SECRET_FILE) {
    if (!config.GATEWAY_JWT_ISSUER) problems.push('GATEWAY_JWT_ISSUER: is required when GATEWAY_JWT_SECRET_FILE is set');
    if (!config.GATEWAY_JWT_AUDIENCE) problems.push('GATEWAY_JWT_AUDIENCE: is required when GATEWAY_JWT_SECRET_FILE is set');
  }
  for (const proxy of config.GATEWAY_TRUSTED_PROXIES) {
    if (env.ipVar.safeParse(proxy).success === false) problems.push(`GATEWAY_TRUSTED_PROXIES: ${JSON.stringify(proxy)} is not an IP address`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
