import { startUntilReady, type ExitStatus } from '@platform/process-runner';

export interface MonitorProcess {
  readonly pid: number;
  readonly url: string;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

/**
 * Starts Prometheus or Alertmanager (both answer GET /-/ready once they serve) and waits for it;
 * a process that exits during start (a config it refuses, a port in use) fails the start at once.
 */
export async function startMonitorProcess(what: string, binary: string, args: string[], options: { url: string; outputFile: string; timeoutMs: number }): Promise<MonitorProcess> {
  const child = await startUntilReady(binary, args, {
    env: { PATH: process.env.PATH },
    outputFile: options.outputFile,
    detached: true,
    what: `${what} at ${options.url}`,
    ready: async () => (await fetch(`${options.url}/-/ready`)).ok,
    timeoutMs: options.timeoutMs,
    stopOnFailure: (c) => c.stop(2_000),
  });
  return { pid: child.pid, url: options.url, exited: child.exited, stop: (graceMs = 10_000) => child.stop(graceMs) };
}
