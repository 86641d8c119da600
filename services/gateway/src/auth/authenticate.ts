import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '@platform/service-kit';
import { findApiKey, type ApiKeyEntry } from './api-keys';
import type { JwtCheck } from './jwt';
import '../request-state';

export const API_KEY_HEADER = 'x-api-key';

export interface Authenticator {
  apiKeys: readonly ApiKeyEntry[];
  /** Absent when no JWT secret is configured: bearer tokens are then refused. */
  jwt?: (token: string) => JwtCheck;
}

const CHALLENGE = 'Bearer realm="platform", ApiKey realm="platform" header="X-API-Key"';

function unauthorized(reply: FastifyReply, detail: string): HttpProblem {
  reply.header('www-authenticate', CHALLENGE);
  return new HttpProblem(401, 'Unauthorized', detail);
}

/**
 * Finds who is calling. Credentials that are present are always checked, on public routes too, so
 * a bad key is reported rather than silently treated as anonymous; on a route that requires
 * authentication, no credentials is a 401 as well. Only the outcome is logged, never the value.
 */
export function authenticate(auth: Authenticator, request: FastifyRequest, reply: FastifyReply): void {
  const authorization = request.headers.authorization;
  const apiKey = request.headers[API_KEY_HEADER];
  request.clientId = null;

  if (authorization !== undefined) {
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization);
    if (!match?.[1]) throw unauthorized(reply, 'The Authorization header must be "Bearer <token>".');
    if (!auth.jwt) throw unauthorized(reply, 'Bearer tokens are not accepted here; send an API key in X-API-Key.');
    const result = auth.jwt(match[1]);
    if (!result.ok) throw unauthorized(reply, `Invalid bearer token: ${result.reason}.`);
    request.clientId = result.identity.clientId;
    return;
  }
  if (apiKey !== undefined) {
    const entry = typeof apiKey === 'string' ? findApiKey(auth.apiKeys, apiKey) : undefined;
    if (!entry) throw unauthorized(reply, 'Invalid API key.');
    request.clientId = entry.clientId;
    return;
  }
  if (request.gatewayRoute?.auth !== 'public') {
    throw unauthorized(reply, 'This route requires credentials: an API key in X-API-Key or a bearer JWT in Authorization.');
  }
}

/** A client's own rate limit from its API key entry, when it has one. */
export function clientRateLimit(auth: Authenticator, clientId: string | null): number | undefined {
  if (clientId === null) return undefined;
  return auth.apiKeys.find((k) => k.clientId === clientId)?.rateLimitMax;
}
