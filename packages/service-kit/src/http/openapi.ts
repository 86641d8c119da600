import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/openapi.json';

export interface OpenApiInfo {
  title: string;
  version: string;
}

/** The kit's own routes are plumbing for the platform, not part of a service's API. */
const PLUMBING = new Set(['/health/live', '/health/ready', '/metrics', OPENAPI_PATH]);

/**
 * Every service describes its API from the JSON schemas its routes already declare: @fastify/swagger
 * collects them as routes are added, and GET /openapi.json serves the result. The gateway merges
 * these documents into its /docs, so a service's published API is always the one it validates.
 * Only routes added after the plugin has loaded are seen, so startService awaits `app.after()`
 * before a service's setup adds its routes.
 */
export function installOpenApi(app: FastifyInstance, info: OpenApiInfo): void {
  void app.register(swagger, {
    openapi: { openapi: '3.0.3', info: { title: info.title, version: info.version } },
    transform: ({ schema, url }) => ({ schema: PLUMBING.has(url) ? { ...schema, hide: true } : schema, url }),
  });
  app.get(OPENAPI_PATH, { logLevel: 'silent' }, async () => app.swagger());
}
