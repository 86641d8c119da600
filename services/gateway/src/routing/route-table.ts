import type { ServicesSnapshot, WatchedInstance } from '@platform/service-kit';
import type { RouteGrants } from './route-grants';

/** The Consul service meta a team sets in its ServiceDefinition to be reachable through the gateway. */
export const PREFIX_META = 'gateway-prefix';
export const AUTH_META = 'gateway-auth';

export type AuthPolicy = 'required' | 'public';

export interface Route {
  prefix: string;
  service: string;
  auth: AuthPolicy;
  /** False while the service is registered but no instance declaring the route passes: 503, not 404. */
  available: boolean;
}

export interface RouteTable {
  routes: ReadonlyMap<string, Route>;
  /** Declarations that were ignored, with why, for the log. */
  rejected: string[];
}

/** Segments of letters, digits and `._~-`; no `.`/`..` segments, no trailing slash, not `/` alone. */
const VALID_PREFIX = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;
/** Paths the gateway answers itself, or that every service serves for the platform. */
const RESERVED = ['/health', '/metrics', '/docs', '/openapi.json'];

export const emptyRouteTable = (): RouteTable => ({ routes: new Map(), rejected: [] });

/** The edge matches a route on at most this many segments (platform/haproxy's MAX_ROUTE_SEGMENTS). */
export const MAX_PREFIX_SEGMENTS = 6;

export function prefixProblem(prefix: string): string | undefined {
  if (!VALID_PREFIX.test(prefix) || prefix.split('/').some((s) => s === '.' || s === '..')) return 'is not a path prefix such as /users';
  if (prefix.split('/').length - 1 > MAX_PREFIX_SEGMENTS) return `has more than ${MAX_PREFIX_SEGMENTS} segments`;
  if (RESERVED.some((r) => prefix === r || prefix.startsWith(`${r}/`))) return 'is reserved by the gateway';
  return undefined;
}

const within = (prefix: string, base: string): boolean => prefix === base || prefix.startsWith(`${base}/`);

/** A service may claim `/<its name>` and below, and what the operator granted it, nothing else. */
export function claimAllowed(service: string, prefix: string, grants: RouteGrants): boolean {
  return within(prefix, `/${service}`) || (grants.get(service) ?? []).some((granted) => within(prefix, granted));
}

/**
 * Builds the routing table from what Consul reports. Every prefix declared by at least one passing
 * instance routes to its service; while instances disagree (a rolling deploy) each declared prefix
 * routes, and `required` wins over `public` so a half-finished deploy never opens a route. A prefix
 * claimed by two services stays with the one that held it in `previous` (else the first by name),
 * so a newcomer cannot take over a live route. A prefix outside the service's own name (and its
 * grants) is never routed: otherwise any registration could take a sub-path of a live route, since
 * the longest prefix wins.
 */
export function buildRouteTable(snapshot: ServicesSnapshot, previous: RouteTable, selfName: string, grants: RouteGrants = new Map()): RouteTable {
  const routes = new Map<string, Route>();
  const rejected: string[] = [];
  const names = [...snapshot.services.keys()].filter((n) => n !== selfName).sort();
  for (const service of names) {
    for (const [prefix, declared] of declaredRoutes(snapshot.services.get(service) ?? [])) {
      const problem = prefixProblem(prefix);
      if (problem) {
        rejected.push(`${service}: ${PREFIX_META} ${JSON.stringify(prefix)} ${problem}`);
        continue;
      }
      if (!claimAllowed(service, prefix, grants)) {
        rejected.push(`${service}: ${PREFIX_META} ${prefix} is outside /${service} and not granted in the gateway's route grants`);
        continue;
      }
      const holder = routes.get(prefix);
      if (holder && holder.service !== service) {
        const keepHolder = previous.routes.get(prefix)?.service !== service;
        rejected.push(`${keepHolder ? service : holder.service}: ${PREFIX_META} ${prefix} is already routed to ${keepHolder ? holder.service : service}`);
        if (keepHolder) continue;
      }
      routes.set(prefix, { prefix, service, ...declared });
    }
  }
  return { routes, rejected };
}

function declaredRoutes(instances: WatchedInstance[]): Map<string, { auth: AuthPolicy; available: boolean }> {
  const out = new Map<string, { auth: AuthPolicy; available: boolean }>();
  for (const instance of instances) {
    const prefix = instance.meta[PREFIX_META];
    if (!prefix) continue;
    // Anything but an explicit "public" requires credentials: a typo must not open a route.
    const auth: AuthPolicy = instance.meta[AUTH_META] === 'public' ? 'public' : 'required';
    const seen = out.get(prefix);
    const passing = instance.health === 'passing';
    out.set(prefix, {
      auth: seen?.auth === 'required' || auth === 'required' ? 'required' : 'public',
      available: (seen?.available ?? false) || passing,
    });
  }
  return out;
}

/** The route whose prefix is the longest one that `path` equals or continues with a `/`. */
export function matchRoute(table: RouteTable, path: string): Route | undefined {
  let candidate = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path;
  for (;;) {
    const route = table.routes.get(candidate);
    if (route) return route;
    const cut = candidate.lastIndexOf('/');
    if (cut <= 0) return undefined;
    candidate = candidate.slice(0, cut);
  }
}
