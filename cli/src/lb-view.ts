import type { ConsulInstanceView } from './consul-view';
import { formatTable } from './table';

interface LbState {
  role: string;
  bind: string;
  backends: { service: string; servers: { name: string; instanceId?: string; address: string; port: number; state: string; haproxy: string }[] }[];
}

/** What each passing load-balancer controller reports, or why it could not be asked. */
async function loadBalancerStates(consul: readonly ConsulInstanceView[]): Promise<{ controller: ConsulInstanceView; state?: LbState; error?: string }[]> {
  const controllers = consul.filter((c) => c.service === 'lb-controller' && c.health === 'passing');
  return Promise.all(
    controllers.map(async (controller) => {
      try {
        const res = await fetch(`http://${controller.address}:${controller.port}/lb/state`, { signal: AbortSignal.timeout(3_000) });
        return { controller, state: (await res.json()) as LbState };
      } catch (err) {
        return { controller, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

/**
 * The instances callers cannot reach yet: every instance must be up in the internal load balancer,
 * and in any other HTTP load balancer with a backend for its service (the edge, for the gateway).
 */
export async function unroutedInstances(consul: readonly ConsulInstanceView[], instances: readonly { id: string; service: string }[]): Promise<string[]> {
  const states = (await loadBalancerStates(consul)).map((s) => s.state).filter((s): s is LbState => s !== undefined && (s.role === 'internal' || s.role === 'edge'));
  const upIn = (state: LbState, id: string) => state.backends.some((b) => b.servers.some((s) => s.instanceId === id && s.haproxy.startsWith('up ')));
  return instances
    .filter(({ id, service }) => {
      const carrying = states.filter((s) => s.role === 'internal' || s.backends.some((b) => b.service === service));
      return carrying.length === 0 || !carrying.every((state) => upIn(state, id));
    })
    .map((i) => i.id);
}

/**
 * Every load balancer's servers as its controller placed them and as HAProxy itself reports them,
 * beside Consul's health for the same instance: the three should agree.
 */
export async function loadBalancerTable(consul: readonly ConsulInstanceView[]): Promise<string> {
  const rows: string[][] = [];
  for (const { controller, state, error } of await loadBalancerStates(consul)) {
    if (!state) {
      rows.push([controller.id, '-', '-', '-', '-', '-', `unreachable: ${error}`]);
      continue;
    }
    for (const backend of state.backends) {
      if (backend.servers.length === 0) rows.push([`${state.role} ${state.bind}`, backend.service, '-', '(no instance)', '-', '-', '-']);
      for (const server of backend.servers) {
        const health = consul.find((c) => c.id === server.instanceId)?.health ?? 'gone';
        rows.push([`${state.role} ${state.bind}`, backend.service, server.name, server.instanceId ?? '-', `${server.address}:${server.port}`, health, `${server.state} / ${server.haproxy}`]);
      }
    }
  }
  return formatTable(['LOAD BALANCER', 'BACKEND', 'SERVER', 'INSTANCE', 'ADDRESS', 'CONSUL', 'CONTROLLER / HAPROXY'], rows);
}
