import type { WatchedInstance } from '@platform/service-kit';

/**
 * What one load balancer routes. `edge` is the public entry in front of the gateway; `internal`
 * is how services reach each other, choosing the backend by the Host header (the service name).
 */
export type LbRole = 'edge' | 'internal';

export const LB_ROLES: readonly LbRole[] = ['edge', 'internal'];

/** Consul services this role has a backend for. Only HTTP services on the kit are routed. */
export function routedServices(role: LbRole, services: ReadonlyMap<string, readonly WatchedInstance[]>): string[] {
  const names = [...services.entries()]
    .filter(([, instances]) => instances.length === 0 || instances.some((i) => i.meta.protocol === 'http'))
    .map(([name]) => name);
  if (role === 'edge') return names.filter((n) => n === 'gateway');
  return names.filter((n) => n !== 'lb-controller').sort();
}

export const backendName = (service: string): string => `svc_${service.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
