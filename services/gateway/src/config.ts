import { ConfigError, env, type ServiceConfig } from '@platform/service-kit';
import { z } from 'zod';
import type { JwtSource } from './edge/jwt-settings';
import { DEFAULT_GRANTS_FILE } from './routing/route-grants';

/** The variables that held the JWT claims fixed at start, before GATEWAY_JWT_SETTINGS_FILE. */
const REMOVED_JWT_VARIABLES = ['GATEWAY_JWT_ISSUER', 'GATEWAY_JWT_AUDIENCE', 'GATEWAY_JWT_CLOCK_TOLERANCE_MS'] as const;

/**
 * The gateway's own variables, on top of the kit's (docs/gateway.md lists them). As for every
 * service, the environment wins over the defaults written here and there is no other source.
 */
export const gatewayConfigShape = {
  /**
   * The internal load balancer, through which /docs fetches each service's own document (Host
   * naming the service). The kit declares it optional; the gateway defaults to the platform's.
   */
  INTERNAL_LB_ADDR: env.hostPortVar.default('127.0.0.1:8081'),
  /** JSON file of API key hashes: [{ "clientId": "...", "sha256": "<hex>", "rateLimitMax"?: n }]. */
  GATEWAY_API_KEYS_FILE: z.string().min(1).optional(),
  /** File holding the HS256 secret (at least 32 bytes); JWT authentication is off without it. */
  GATEWAY_JWT_SECRET_FILE: z.string().min(1).optional(),
  /** JSON file `{ "issuer", "audience", "clockToleranceMs"? }`, followed while running (as the secret file is); required with the secret. */
  GATEWAY_JWT_SETTINGS_FILE: z.string().min(1).optional(),
  /** Read only to refuse them: the claims come from GATEWAY_JWT_SETTINGS_FILE alone. */
  GATEWAY_JWT_ISSUER: z.string().optional(),
  GATEWAY_JWT_AUDIENCE: z.string().optional(),
  GATEWAY_JWT_CLOCK_TOLERANCE_MS: z.string().optional(),
  /** Prefixes outside `/<name>` that services may declare (docs/gateway.md); the repo's file by default. */
  GATEWAY_ROUTE_GRANTS_FILE: z.string().min(1).default(DEFAULT_GRANTS_FILE),
  /** Requests per window and client (authenticated client id, else client IP); the window is the edge's. */
  GATEWAY_RATE_LIMIT_MAX: env.integerVar(1, 10_000_000).default('600'),
  /** The edges' map folder (their EDGE_MAPS_DIR): the gateway writes the maps there, 0600. Unset: no edge to feed (only /docs). */
  GATEWAY_EDGE_MAPS_DIR: z.string().regex(/^\/[A-Za-z0-9._/+-]+$/, 'must be an absolute path of letters, digits and ._/+-').optional(),
  /** Every edge HAProxy's Runtime API socket, comma-separated: map changes go there at run time. */
  GATEWAY_EDGE_SOCKETS: env.csvVar.default(''),
};

export type GatewayConfig = ServiceConfig<typeof gatewayConfigShape>;

/** Where the JWT settings come from, or undefined when JWT authentication is off (checked by checkGatewayConfig). */
export function jwtSource(config: GatewayConfig): JwtSource | undefined {
  const { GATEWAY_JWT_SECRET_FILE: secretFile, GATEWAY_JWT_SETTINGS_FILE: settingsFile } = config;
  return secretFile && settingsFile ? { secretFile, settingsFile } : undefined;
}

/** Rules that span variables, which the per-variable schemas cannot express. */
export function checkGatewayConfig(config: GatewayConfig): void {
  const problems: string[] = [];
  // One source for the claims: a file that is followed while running.
  for (const name of REMOVED_JWT_VARIABLES) if (config[name]) problems.push(`${name}: no longer applies: put the JWT issuer, audience and clockToleranceMs in GATEWAY_JWT_SETTINGS_FILE`);
  if (config.GATEWAY_JWT_SETTINGS_FILE && !config.GATEWAY_JWT_SECRET_FILE) problems.push('GATEWAY_JWT_SECRET_FILE: is required when GATEWAY_JWT_SETTINGS_FILE is set');
  if (config.GATEWAY_JWT_SECRET_FILE && !config.GATEWAY_JWT_SETTINGS_FILE) problems.push('GATEWAY_JWT_SETTINGS_FILE: is required when GATEWAY_JWT_SECRET_FILE is set (issuer, audience, clockToleranceMs)');
  for (const socket of config.GATEWAY_EDGE_SOCKETS) {
    if (!socket.startsWith('/')) problems.push(`GATEWAY_EDGE_SOCKETS: ${JSON.stringify(socket)} is not an absolute socket path`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
