import { startChild, waitFor, type ExitStatus } from '@platform/process-runner';

export interface MonitorProcess {
  readonly pid: number;
  readonly url: string;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

/**
 * Starts Prometheus or Alertmanager (both answer GET /-/ready once they serve) and waits for it;
 * a process that exits during start (a config it refuses, a port in use) fails the start at once,
 * naming the file its output went to.
 */
export async function startMonitorProcess(what: string, binary: string, args: string[], options: { url: string; outputFile: string; timeoutMs: number }): Promise<MonitorProcess> {
  const child = startChild(binary, args, { env: { PATH: process.env.PATH }, outputFile: options.outputFile, detached: true });
  const exitedEarly = child.exited.then((status) => {
    throw new Error(`${what} exited during start (code ${status.code}, signal ${status.signal}); see ${options.outputFile}`);
  });
  exitedEarly.catch(() => undefined);
  try {
    await Promise.race([
      exitedEarly,
      waitFor(async () => (await fetch(`${options.url}/-/ready`).catch(() => undefined))?.ok === true, { timeoutMs: options.timeoutMs, intervalMs: 200, what: `${what} to be ready at ${options.url}` }),
    ]);
  } catch (err) {
    await child.stop(2_000);
    throw err;
  }
  return { pid: child.pid, url: options.url, exited: child.exited, stop: (graceMs = 10_000) => child.stop(graceMs) };
}
