import { pidAlive } from '@platform/process-runner';
import { consulInstances, type ConsulInstanceView } from './consul-view';
import { statePaths } from './settings';
import { readState, type SupervisorState } from './supervisor/state';
import { formatTable } from './table';

/** The running platform as recorded by its supervisor, or undefined when none is running. */
export function runningState(stateDir: string): SupervisorState | undefined {
  const state = readState(statePaths(stateDir).stateFile);
  if (!state || !pidAlive(state.pid) || state.phase === 'stopped' || state.phase === 'failed') return undefined;
  return state;
}

/** One instance as `platform status --json` lists it (field names are part of the CLI's contract). */
export interface InstanceView {
  service: string;
  id: string;
  /** host:port as registered in Consul; null when Consul does not know it. */
  address: string | null;
  /** Consul's health, or `not registered`. */
  health: string;
  pid: number | null;
  /** The supervisor's state of it, or `external` for an instance another node (or process) registered. */
  state: string;
  restarts: number | null;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
}

/**
 * One entry per instance: Consul's view (address, health) beside the supervisor's (pid, restarts).
 * Instances only one side knows are listed too, so a crashed or foreign instance is visible.
 */
export async function instanceViews(state: SupervisorState, consulToken: string | undefined): Promise<{ instances: InstanceView[]; consul: ConsulInstanceView[] }> {
  const consulAddr = state.env.CONSUL_HTTP_ADDR;
  const consul = consulAddr ? await consulInstances(consulAddr, consulToken).catch(() => [] as ConsulInstanceView[]) : [];
  const byId = new Map(consul.map((c) => [c.id, c]));
  const instances: InstanceView[] = [];
  for (const inst of state.instances) {
    const seen = byId.get(inst.id);
    byId.delete(inst.id);
    const address = seen ? `${seen.address}:${seen.port}` : null;
    instances.push({ service: inst.service, id: inst.id, address, health: seen ? seen.health : 'not registered', pid: inst.pid, state: inst.state, restarts: inst.restarts, lastExit: inst.lastExit ?? null });
  }
  for (const other of byId.values()) {
    instances.push({ service: other.service, id: other.id, address: `${other.address}:${other.port}`, health: other.health, pid: null, state: 'external', restarts: null, lastExit: null });
  }
  instances.sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
  return { instances, consul };
}

export const instanceText = (instances: readonly InstanceView[]): string =>
  formatTable(
    ['SERVICE', 'INSTANCE', 'ADDRESS', 'HEALTH', 'PID', 'RESTARTS'],
    instances.map((i) => [i.service, i.id, i.address ?? '-', i.health, i.pid ? String(i.pid) : i.state, i.restarts === null ? '-' : String(i.restarts)]),
  );

/** The instance table as text, with Consul's view for callers that look further. */
export async function instanceTable(state: SupervisorState, consulToken: string | undefined): Promise<{ text: string; consul: ConsulInstanceView[] }> {
  const { instances, consul } = await instanceViews(state, consulToken);
  return { text: instanceText(instances), consul };
}
