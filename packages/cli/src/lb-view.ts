import type { ConsulInstanceView } from './consul-view';
import { formatTable } from './table';

interface LbState {
  role: string;
  bind: string;
  backends: { service: string; servers: { name: string; instanceId?: string; address: string; port: number; state: string; haproxy: string }[] }[];
}

/**
 * Every load balancer's servers as its controller placed them and as HAProxy itself reports them,
 * beside Consul's health for the same instance: the three should agree.
 */
export async function loadBalancerTable(consul: readonly ConsulInstanceView[]): Promise<string> {
  const controllers = consul.filter((c) => c.service === 'lb-controller' && c.health === 'passing');
  const rows: string[][] = [];
  for (const controller of controllers) {
    let state: LbState;
    try {
      const res = await fetch(`http://${controller.address}:${controller.port}/lb/state`, { signal: AbortSignal.timeout(3_000) });
      state = (await res.json()) as LbState;
    } catch (err) {
      rows.push([controller.id, '-', '-', '-', '-', '-', `unreachable: ${err instanceof Error ? err.message : String(err)}`]);
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
