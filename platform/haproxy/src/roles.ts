import { controllerFollows, DEFAULT_MAX_REPLICA_LAG_MS, LB_FOLLOWS_ONLY_META, replicaCheckPath, type WatchedInstance } from '@platform/service-kit';

/**
 * What one load balancer routes. `edge` is the public entry and the gateway's data path, straight
 * to every HTTP service's backend (the gateway's own for /docs); `internal`
 * is how services reach each other, choosing the backend by the Host header (the service name);
 * `db` sends writes to the PostgreSQL primary and reads to replicas within the lag bound.
 */
export type LbRole = 'edge' | 'internal' | 'db';

export interface BackendSpec {
  name: string;
  /** The Consul service whose instances fill this backend. */
  service: string;
  /** For the db role: the role-check path that must answer 200 for a server to take traffic. */
  checkPath?: string;
  /** The candidate side of a traffic split (split-plan.ts): only the candidate release's instances. */
  candidate?: boolean;
  /** Server slots to start with, when not BackendSlots.sizeFor(1). */
  slots?: number;
}

export const backendName = (service: string): string => `svc_${service.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

export const DB_SERVICE = 'postgres';

/** The Consul services a role's controller follows: the watcher fetches nothing else. */
export function followedBy(role: LbRole): (service: string) => boolean {
  const meta = followsMeta(role);
  return (service) => controllerFollows(meta, service);
}

/** The meta a role's controller registers with, saying what it follows, so an instance waits only for the controllers that route it. */
export const followsMeta = (role: LbRole): Record<string, string> => (role === 'db' ? { [LB_FOLLOWS_ONLY_META]: DB_SERVICE } : {});

/** Backends this role has for the services Consul knows; only HTTP services on the kit are routed over HTTP. */
export function backendsFor(role: LbRole, services: ReadonlyMap<string, readonly WatchedInstance[]>, replicaMaxLagMs = DEFAULT_MAX_REPLICA_LAG_MS): BackendSpec[] {
  if (role === 'db') {
    return [
      { name: 'pg_primary', service: DB_SERVICE, checkPath: '/primary' },
      { name: 'pg_replicas', service: DB_SERVICE, checkPath: replicaCheckPath(replicaMaxLagMs) },
      { name: 'pg_primary_fallback', service: DB_SERVICE, checkPath: '/primary' },
    ];
  }
  return [...services.entries()]
    .filter(([name, instances]) => name !== 'lb-controller' && (instances.length === 0 || instances.some((i) => i.meta.protocol === 'http')))
    .map(([name]) => ({ name: backendName(name), service: name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
