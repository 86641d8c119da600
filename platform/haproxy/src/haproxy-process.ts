import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, startChild, startUntilReady, waitFor, type ChildHandle } from '@platform/process-runner';
import { HaproxyConfigRefused } from './reload-gate';
import { runtimeCommand } from './runtime-api';

export interface HaproxyPaths {
  dir: string;
  config: string;
  adminSocket: string;
  masterSocket: string;
  pidFile: string;
  log: string;
}

/** `log`: where HAProxy's own output goes (the edge's request lines among it); the state folder by default. */
export const haproxyPaths = (dir: string, log = join(dir, 'haproxy.log')): HaproxyPaths => ({
  dir,
  config: join(dir, 'haproxy.cfg'),
  adminSocket: join(dir, 'admin.sock'),
  masterSocket: join(dir, 'master.sock'),
  pidFile: join(dir, 'haproxy.pid'),
  log,
});

async function workerPid(adminSocket: string): Promise<number | undefined> {
  const info = await runtimeCommand(adminSocket, 'show info', 1_000);
  const match = /^Pid: (\d+)$/m.exec(info);
  return match ? Number(match[1]) : undefined;
}

/**
 * HAProxy in master-worker mode: the master stays, workers are replaced on reload. A reload hands
 * the listening sockets to the new worker (expose-fd listeners), so no connection is refused.
 */
export class HaproxyProcess {
  private constructor(
    readonly paths: HaproxyPaths,
    private readonly master: ChildHandle,
  ) {}

  get pid(): number {
    return this.master.pid;
  }

  get exited() {
    return this.master.exited;
  }

  static async start(paths: HaproxyPaths, config: string, binary = 'haproxy'): Promise<HaproxyProcess> {
    await stopLeftover(paths.pidFile);
    writeFileSync(paths.config, config);
    const check = startChild(binary, ['-c', '-q', '-f', paths.config], { outputFile: paths.log });
    const checked = await check.exited;
    if (checked.code !== 0) throw new Error(`haproxy rejected ${paths.config}; see ${paths.log}`);
    const master = await startUntilReady(binary, ['-W', '-S', `${paths.masterSocket},mode,600`, '-f', paths.config, '-p', paths.pidFile], {
      outputFile: paths.log,
      detached: true,
      what: 'haproxy',
      ready: async () => existsSync(paths.adminSocket) && (await workerPid(paths.adminSocket)) !== undefined,
      timeoutMs: 10_000,
      intervalMs: 50,
      // Says why at once (a port in use, typically): HAProxy's ALERT lines, without their prefix.
      reason: (output) => alerts(output) || undefined,
    });
    return new HaproxyProcess(paths, master);
  }

  /** Writes the new configuration, validates it, and reloads; resolves once the new worker answers. */
  async reload(config: string, binary = 'haproxy'): Promise<void> {
    const candidate = `${this.paths.config}.next`;
    writeFileSync(candidate, config);
    const checkedFrom = existsSync(this.paths.log) ? readFileSync(this.paths.log, 'utf8').length : 0;
    const check = startChild(binary, ['-c', '-q', '-f', candidate], { outputFile: this.paths.log });
    if ((await check.exited).code !== 0) throw new HaproxyConfigRefused(`${lastAlerts(this.paths.log, checkedFrom) || 'no reason given'} (${candidate}; see ${this.paths.log})`);
    writeFileSync(this.paths.config, config);
    const before = await workerPid(this.paths.adminSocket);
    // The master re-executes itself on every reload and does not listen for a moment: a reload
    // right after another one waits for it rather than failing.
    await waitFor(() => runtimeCommand(this.paths.masterSocket, 'reload', 5_000).then(() => true), { timeoutMs: 10_000, intervalMs: 50, what: 'the haproxy master to take the reload' });
    await waitFor(
      async () => {
        const now = await workerPid(this.paths.adminSocket);
        return now !== undefined && now !== before;
      },
      { timeoutMs: 10_000, intervalMs: 25, what: 'the new haproxy worker after reload' },
    );
  }

  stop(graceMs = 10_000) {
    return this.master.stop(graceMs);
  }
}

/** HAProxy's ALERT lines in `text`, without their prefix. */
function alerts(text: string): string {
  return [...text.matchAll(/^\[ALERT\][^:]*: (.*)$/gm)].map((m) => m[1]).join('; ');
}

/** HAProxy's ALERT lines written to its log since `offset`. */
function lastAlerts(log: string, offset: number): string {
  return alerts(existsSync(log) ? readFileSync(log, 'utf8').slice(offset) : '');
}

/** A controller killed with -9 leaves its HAProxy running on the port; the next one stops it first. */
async function stopLeftover(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!(pid > 0) || !pidAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !pidAlive(pid), { timeoutMs: 10_000, intervalMs: 50, what: `the previous haproxy (pid ${pid}) to stop` }).catch(() => process.kill(pid, 'SIGKILL'));
}
