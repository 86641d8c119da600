import type { ConsulInstanceView } from './consul-view';
import { formatTable } from './table';

interface LbState {
  role: string;
  bind: string;
  /** `backend` is HAProxy's name for it; a candidate backend carries a traffic split's new release only. */
  backends: { backend: string; service: string; candidate?: boolean; servers: { name: string; instanceId?: string; address: string; port: number; state: string; haproxy: string }[] }[];
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

/** One server of one load balancer as `platform status --json` lists it. */
export interface LoadBalancerServerView {
  /** internal, edge, db-write, ...; null when its controller could not be asked. */
  role: string | null;
  bind: string | null;
  /** The controller's instance id (it answers for one load balancer). */
  controller: string;
  /** The service the backend carries. */
  backend: string | null;
  /** HAProxy's name for the backend (a db load balancer has three for one service: pg_primary, pg_replicas, pg_primary_fallback). */
  haproxyBackend: string | null;
  server: string | null;
  instance: string | null;
  address: string | null;
  /** Consul's health of that instance, `gone` when Consul no longer has it. */
  consulHealth: string | null;
  controllerState: string | null;
  haproxyState: string | null;
  /** Why the controller could not be asked, or `no instance` for an empty backend. */
  problem: string | null;
}

/**
 * Every load balancer's servers as its controller placed them and as HAProxy itself reports them,
 * beside Consul's health for the same instance: the three should agree.
 */
export async function loadBalancerViews(consul: readonly ConsulInstanceView[]): Promise<LoadBalancerServerView[]> {
  const none = { backend: null, haproxyBackend: null, server: null, instance: null, address: null, consulHealth: null, controllerState: null, haproxyState: null };
  const views: LoadBalancerServerView[] = [];
  for (const { controller, state, error } of await loadBalancerStates(consul)) {
    if (!state) {
      views.push({ role: null, bind: null, controller: controller.id, ...none, problem: `unreachable: ${error}` });
      continue;
    }
    const lb = { role: state.role, bind: state.bind, controller: controller.id };
    for (const backend of state.backends) {
      const names = { backend: backend.service, haproxyBackend: backend.backend };
      // A split's candidate side is empty whenever no split runs: nothing is missing.
      if (backend.servers.length === 0 && !backend.candidate) views.push({ ...lb, ...none, ...names, problem: 'no instance' });
      for (const server of backend.servers) {
        const consulHealth = consul.find((c) => c.id === server.instanceId)?.health ?? 'gone';
        views.push({ ...lb, ...names, server: server.name, instance: server.instanceId ?? null, address: `${server.address}:${server.port}`, consulHealth, controllerState: server.state, haproxyState: server.haproxy, problem: null });
      }
    }
  }
  return views;
}

export function loadBalancerText(views: readonly LoadBalancerServerView[]): string {
  const rows = views.map((v) => {
    if (v.role === null) return [v.controller, '-', '-', '-', '-', '-', v.problem ?? ''];
    if (v.server === null) return [`${v.role} ${v.bind}`, v.haproxyBackend ?? '-', '-', '(no instance)', '-', '-', '-'];
    return [`${v.role} ${v.bind}`, v.haproxyBackend ?? '-', v.server, v.instance ?? '-', v.address ?? '-', v.consulHealth ?? '-', `${v.controllerState} / ${v.haproxyState}`];
  });
  return formatTable(['LOAD BALANCER', 'BACKEND', 'SERVER', 'INSTANCE', 'ADDRESS', 'CONSUL', 'CONTROLLER / HAPROXY'], rows);
}
