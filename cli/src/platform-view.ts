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

/**
 * One row per instance: Consul's view (address, health) beside the supervisor's (pid, restarts).
 * Instances only one side knows still get a row, so a crashed or foreign instance is visible.
 */
export async function instanceTable(state: SupervisorState, consulToken: string | undefined): Promise<{ text: string; consul: ConsulInstanceView[] }> {
  const consulAddr = state.env.CONSUL_HTTP_ADDR;
  const consul = consulAddr ? await consulInstances(consulAddr, consulToken).catch(() => [] as ConsulInstanceView[]) : [];
  const byId = new Map(consul.map((c) => [c.id, c]));
  const rows: string[][] = [];
  for (const inst of state.instances) {
    const seen = byId.get(inst.id);
    byId.delete(inst.id);
    rows.push([
      inst.service,
      inst.id,
      seen ? `${seen.address}:${seen.port}` : '-',
      seen ? seen.health : 'not registered',
      inst.pid ? String(inst.pid) : inst.state,
      String(inst.restarts),
    ]);
  }
  for (const other of byId.values()) rows.push([other.service, other.id, `${other.address}:${other.port}`, other.health, 'external', '-']);
  rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (a[1] ?? '').localeCompare(b[1] ?? ''));
  return { text: formatTable(['SERVICE', 'INSTANCE', 'ADDRESS', 'HEALTH', 'PID', 'RESTARTS'], rows), consul };
}
