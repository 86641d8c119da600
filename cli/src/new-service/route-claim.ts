import { consulHeaders } from '@platform/service-kit';
import { claimAllowed, DEFAULT_GRANTS_FILE, loadRouteGrants, PREFIX_META, prefixProblem, type RouteGrants } from '@platform/gateway/route-claims';
import { PlatformError } from '@platform/process-runner';

/** One prefix some other service holds: declared by its registered instances, or granted to it. */
export interface HeldRoute {
  service: string;
  prefix: string;
  source: 'consul' | 'route grants';
}

const overlaps = (a: string, b: string): boolean => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

/**
 * Whether `service` may take `route` at the gateway: the gateway's own rules (a path prefix, not
 * reserved, under `/<service>` or granted to it), and no other service holding it, a prefix of it,
 * or a path below it, since the gateway would route one of the two to the wrong service.
 */
export function checkRouteClaim(service: string, route: string, held: HeldRoute[], grants: RouteGrants): void {
  const problem = prefixProblem(route);
  if (problem) throw new PlatformError('PLATFORM_NEW_SERVICE_ROUTE', `--route ${JSON.stringify(route)} ${problem}`);
  if (!claimAllowed(service, route, grants)) {
    throw new PlatformError('PLATFORM_NEW_SERVICE_ROUTE', `--route ${route} is outside /${service}; a service routes /${service} and below unless services/gateway/route-grants.json grants it more`);
  }
  const owner = held.find((h) => h.service !== service && overlaps(h.prefix, route));
  if (owner) throw new PlatformError('PLATFORM_NEW_SERVICE_ROUTE_TAKEN', `--route ${route} is taken: ${owner.service} holds ${owner.prefix} (${owner.source})`);
}

/** Prefixes other services were granted in the gateway's route grants file. */
export function grantedRoutes(grants: RouteGrants): HeldRoute[] {
  return [...grants].flatMap(([service, prefixes]) => prefixes.map((prefix) => ({ service, prefix, source: 'route grants' as const })));
}

export const loadGatewayGrants = (file: string | undefined): RouteGrants => loadRouteGrants(file ?? DEFAULT_GRANTS_FILE);

interface CatalogInstance {
  ServiceName: string;
  ServiceMeta: Record<string, string> | null;
}

/** Prefixes registered instances declare in Consul (`gateway-prefix` meta), and every registered service name. */
export async function consulRoutes(httpAddr: string, token: string | undefined): Promise<{ routes: HeldRoute[]; services: string[] }> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://${httpAddr}${path}`, { headers: consulHeaders(token), signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`Consul answered ${res.status} to ${path}`);
    return (await res.json()) as T;
  };
  const services = Object.keys(await get<Record<string, string[]>>('/v1/catalog/services'));
  const routes: HeldRoute[] = [];
  for (const name of services) {
    for (const instance of await get<CatalogInstance[]>(`/v1/catalog/service/${encodeURIComponent(name)}`)) {
      const prefix = instance.ServiceMeta?.[PREFIX_META];
      if (prefix && !routes.some((r) => r.service === instance.ServiceName && r.prefix === prefix)) routes.push({ service: instance.ServiceName, prefix, source: 'consul' });
    }
  }
  return { routes, services };
}
