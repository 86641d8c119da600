import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What the supervisor writes for `status` and `down`, also readable after the supervisor died. */
export interface InstanceState {
  service: string;
  id: string;
  slot: number;
  /** The release it runs (`<version>-<hash>`); absent for the platform's own processes. */
  release?: string;
  pid: number | null;
  state: 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: string };
}

export interface SupervisorState {
  pid: number;
  phase: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
  error?: string;
  startedAt: string;
  /** Running components in start order, with the pids they own and what they tell the user. */
  components: { name: string; pids: number[]; describe: string[] }[];
  /** Environment the components export to services (never secrets: those stay in files). */
  env: Record<string, string>;
  instances: InstanceState[];
}

export function writeState(file: string, state: SupervisorState): void {
  // Write-then-rename, so a reader never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

export function readState(file: string): SupervisorState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SupervisorState;
  } catch {
    return undefined;
  }
}

/** Every pid the platform started, for `down` to make sure none is left. */
export function allPids(state: SupervisorState): number[] {
  const pids = [state.pid, ...state.components.flatMap((c) => c.pids), ...state.instances.map((i) => i.pid)];
  return pids.filter((p): p is number => typeof p === 'number' && p > 0);
}
