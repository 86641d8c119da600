import type { ExitStatus } from '@platform/process-runner';
import { RestartBackoff } from '../supervisor/restart-backoff';

export interface RestartOptions {
  /** How the process is named in the supervisor log. */
  name: string;
  /** The exit of the process running now (a restart gives a new one). */
  exited(): Promise<ExitStatus>;
  /** Starts it again; resolves once it serves. */
  restart(): Promise<void>;
  /** What the exit means for the rest of the platform meanwhile, for the log line. */
  meanwhile: string;
  log(message: string): void;
  /** Told after each restart, so the supervisor records the new process ids. */
  changed(): void;
}

export interface RestartWatch {
  /** No restart after this; waits for one under way. Call before stopping the process itself. */
  stop(): Promise<void>;
}

/**
 * Keeps one of the platform's own processes (a database server, the broker, the log store…)
 * running the way the supervisor keeps service instances: an exit nobody asked for is reported
 * and followed by a new start, with exponential backoff while starts keep failing.
 */
export function restartOnExit(options: RestartOptions): RestartWatch {
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  const backoff = new RestartBackoff();
  let restarts = 0;
  let restarting: Promise<void> | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const watch = async (): Promise<void> => {
    let upSince = Date.now();
    while (!stopping) {
      const exit = await options.exited();
      if (stopping) return;
      let delayMs = backoff.next(Date.now() - upSince);
      options.log(`${options.name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); ${options.meanwhile}; restarting in ${delayMs} ms`);
      for (;;) {
        await pause(delayMs);
        if (stopping) return;
        try {
          restarting = options.restart();
          await restarting;
          restarts += 1;
          upSince = Date.now();
          options.log(`${options.name} restarted (restart ${restarts})`);
          options.changed();
          break;
        } catch (err) {
          if (stopping) return;
          delayMs = backoff.next();
          options.log(`${options.name} could not be restarted: ${err instanceof Error ? err.message : String(err)}; trying again in ${delayMs} ms`);
        }
      }
    }
  };
  void watch();

  return {
    async stop() {
      stopping = true;
      wakeUp?.();
      // A start under way finishes first, so the caller then stops what it started.
      await restarting?.catch(() => undefined);
    },
  };
}

/** A process a component starts by calling a function that resolves once it serves. */
export interface StartedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs: number): Promise<unknown>;
}

export interface KeptProcess<P extends StartedProcess> {
  /** The process running now (a restart replaces it). */
  current(): P;
  /** No more restarts; then stops the current process. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Starts a process with `start` and, on an exit nobody asked for, starts it again the same way
 * (what is left of the old one, such as a watch it ran, is stopped first).
 */
export async function keepRunning<P extends StartedProcess>(start: () => Promise<P>, options: Omit<RestartOptions, 'exited' | 'restart'>): Promise<KeptProcess<P>> {
  let current = await start();
  const watch = restartOnExit({
    ...options,
    exited: () => current.exited,
    restart: async () => {
      await current.stop(1_000);
      current = await start();
    },
  });
  return {
    current: () => current,
    async stop(graceMs) {
      await watch.stop();
      await current.stop(graceMs);
    },
  };
}
