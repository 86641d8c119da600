import { rmSync } from 'node:fs';
import { pidAlive, sleep, waitFor } from '@platform/process-runner';
import { withProgress } from '../command/progress';
import { loadSettings, statePaths } from '../settings';
import { callControl } from '../supervisor/control-server';
import { allPids, readState } from '../supervisor/state';

/**
 * Stops the platform gracefully through its supervisor, then makes sure that no process it ever
 * started is left, killing stragglers (a supervisor killed with -9 leaves its children behind).
 */
export async function down(): Promise<number> {
  const paths = statePaths(loadSettings().stateDir);
  const state = readState(paths.stateFile);
  if (!state) {
    process.stdout.write('the platform is not running\n');
    return 0;
  }
  if (pidAlive(state.pid)) {
    await withProgress(`stopping the platform (supervisor pid ${state.pid}); instances drain first`, async () => {
      try {
        await callControl(paths.socket, 'POST', '/shutdown');
      } catch {
        process.kill(state.pid, 'SIGTERM');
      }
      await waitFor(() => !pidAlive(state.pid), { timeoutMs: 90_000, intervalMs: 200, what: 'the supervisor to stop' }).catch(() => process.kill(state.pid, 'SIGKILL'));
    });
  }
  const recorded = readState(paths.stateFile) ?? state;
  const leftovers = [...new Set([...allPids(state), ...allPids(recorded)])].filter(pidAlive);
  for (const pid of leftovers) {
    process.stdout.write(`▸ process ${pid} was still running; killing it\n`);
    process.kill(pid, 'SIGKILL');
  }
  if (leftovers.length > 0) await sleep(200);
  const still = leftovers.filter(pidAlive);
  rmSync(paths.socket, { force: true });
  rmSync(paths.pidFile, { force: true });
  if (still.length > 0) {
    process.stderr.write(`processes ${still.join(', ')} could not be stopped\n`);
    return 1;
  }
  process.stdout.write('▸ stopped; no platform process is left\n');
  return 0;
}
