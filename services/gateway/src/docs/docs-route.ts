import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextOf, requestContext, type Logger } from '@platform/service-kit';
import type { Pool } from 'undici';
import type { RouteTable } from '../routing/route-table';
import { mergeOpenApi, type ServiceDocument } from './openapi-merge';
import { installSwaggerUi, prefersHtml } from './swagger-ui';

export const DOCS_PATH = '/docs';
/** The merged document alone, whatever the caller accepts (what the Swagger UI page loads). */
export const DOCS_DOCUMENT_PATH = '/docs/openapi.json';
const SERVICE_DOC_PATH = '/openapi.json';
const FETCH_TIMEOUT_MS = 2_000;
/** Short, so a deploy's new schemas show within seconds, yet a burst of /docs calls costs one fetch per service. */
const CACHE_TTL_MS = 5_000;

interface Cached {
  at: number;
  document: Record<string, unknown>;
}

/**
 * GET /docs: a Swagger UI page for a browser (Accept preferring text/html), else the merged OpenAPI
 * document, which GET /docs/openapi.json answers whatever the Accept. The document covers every
 * service the gateway routes to: each service's own document is fetched through the internal load
 * balancer, Host naming the service, exactly like a proxied call; a service whose document cannot
 * be fetched is listed as unavailable rather than failing the whole answer.
 */
export function installDocsRoute(scope: FastifyInstance, options: { pool: Pool; routes: () => RouteTable; logger: Logger; version: string }): void {
  const cache = new Map<string, Cached>();

  const fetchDocument = async (service: string, request: FastifyRequest): Promise<ServiceDocument> => {
    const hit = cache.get(service);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return { service, document: hit.document };
    try {
      const res = await options.pool.request({
        path: SERVICE_DOC_PATH,
        method: 'GET',
        headers: { ...requestContext.outgoingHeaders(contextOf(request)), host: service, accept: 'application/json' },
        headersTimeout: FETCH_TIMEOUT_MS,
        bodyTimeout: FETCH_TIMEOUT_MS,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`answered ${res.statusCode}`);
      }
      const document = (await res.body.json()) as Record<string, unknown>;
      cache.set(service, { at: Date.now(), document });
      return { service, document };
    } catch (err) {
      options.logger.warn('could not fetch a service OpenAPI document', { requestId: request.id, service, error: err instanceof Error ? err.message : String(err) });
      return { service, document: undefined };
    }
  };

  const mergedDocument = async (request: FastifyRequest): Promise<Record<string, unknown>> => {
    const table = options.routes();
    const services = [...new Set([...table.routes.values()].filter((r) => r.available).map((r) => r.service))];
    for (const name of cache.keys()) if (!services.includes(name)) cache.delete(name);
    const documents = await Promise.all(services.map((s) => fetchDocument(s, request)));
    return mergeOpenApi(table, documents, { version: options.version });
  };

  const ui = installSwaggerUi(scope, { documentPath: DOCS_DOCUMENT_PATH });
  scope.get(DOCS_PATH, async (request, reply) => {
    reply.header('vary', 'accept');
    if (prefersHtml(request.headers.accept)) return ui.sendPage(reply);
    return mergedDocument(request);
  });
  scope.get(DOCS_DOCUMENT_PATH, async (request) => mergedDocument(request));
}
