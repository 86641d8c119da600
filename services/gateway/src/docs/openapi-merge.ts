import { matchRoute, type RouteTable } from '../routing/route-table';

type Json = Record<string, unknown>;

export interface ServiceDocument {
  service: string;
  /** The service's own /openapi.json; undefined when it could not be fetched. */
  document: Json | undefined;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** OpenAPI component names allow letters, digits, `.`, `-` and `_` only. */
const componentPrefix = (service: string): string => `${service.replace(/[^A-Za-z0-9._-]/g, '_')}.`;
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export const SECURITY_SCHEMES = {
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
} as const;
const REQUIRED_SECURITY = [{ apiKey: [] }, { bearerAuth: [] }];

/** Deep copy in which every local component reference points at the service's namespaced name. */
function namespaceRefs(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => namespaceRefs(v, prefix));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const local = key === '$ref' && typeof v === 'string' ? /^#\/components\/([^/]+)\/(.+)$/.exec(v) : null;
    out[key] = local ? `#/components/${local[1]}/${prefix}${local[2]}` : namespaceRefs(v, prefix);
  }
  return out;
}

/**
 * One OpenAPI document for everything the gateway exposes, built from the services' own documents:
 * a path appears when the gateway would route it to that service (so nested prefixes owned by
 * other services and unexposed paths stay out), tagged with its service and marked with the
 * security the route requires. Components are namespaced per service so two services' `User`
 * schemas cannot collide.
 */
export function mergeOpenApi(table: RouteTable, documents: readonly ServiceDocument[], info: { version: string }): Json {
  const paths: Json = {};
  const components: Record<string, Json> = { securitySchemes: { ...SECURITY_SCHEMES } };
  const unavailable: string[] = [];

  for (const { service, document } of [...documents].sort((a, b) => a.service.localeCompare(b.service))) {
    if (!document) {
      unavailable.push(service);
      continue;
    }
    const prefix = componentPrefix(service);
    const docPaths = isObject(document.paths) ? document.paths : {};
    for (const [path, item] of Object.entries(docPaths)) {
      const route = matchRoute(table, path);
      if (route?.service !== service || !isObject(item)) continue;
      const operations: Json = {};
      for (const [method, operation] of Object.entries(namespaceRefs(item, prefix) as Json)) {
        if (!HTTP_METHODS.has(method) || !isObject(operation)) {
          operations[method] = operation;
          continue;
        }
        const tags = Array.isArray(operation.tags) ? operation.tags : [];
        const operationId = typeof operation.operationId === 'string' ? `${prefix}${operation.operationId}` : undefined;
        operations[method] = { ...operation, tags: [service, ...tags], security: route.auth === 'required' ? REQUIRED_SECURITY : [], ...(operationId ? { operationId } : {}) };
      }
      paths[path] = operations;
    }
    const docComponents = isObject(document.components) ? document.components : {};
    for (const [kind, entries] of Object.entries(docComponents)) {
      if (kind === 'securitySchemes' || !isObject(entries)) continue;
      components[kind] ??= {};
      for (const [name, schema] of Object.entries(entries)) components[kind][`${prefix}${name}`] = namespaceRefs(schema, prefix);
    }
  }

  const services = [...new Set([...table.routes.values()].map((r) => r.service))].sort();
  return {
    openapi: '3.0.3',
    info: { title: 'Platform API (through the gateway)', version: info.version },
    tags: services.map((name) => ({ name })),
    paths,
    components,
    ...(unavailable.length > 0 ? { 'x-unavailable-services': unavailable } : {}),
  };
}
