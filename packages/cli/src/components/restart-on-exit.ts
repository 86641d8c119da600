import type { ExitStatus } from '@platform/process-runner';

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

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A process that stayed up this long restarts quickly again next time. */
const STABLE_AFTER_MS = 60_000;

/**
 * Keeps one of the platform's own processes (a database server, the broker, the log store…)
 * running the way the supervisor keeps service instances: an exit nobody asked for is reported
 * and followed by a new start, with exponential backoff while starts keep failing.
 */
export function restartOnExit(options: RestartOptions): RestartWatch {
  let stopping = false;
  let wakeUp: (() => void) | undefined;
  let backoffMs = FIRST_BACKOFF_MS;
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
      if (Date.now() - upSince > STABLE_AFTER_MS) backoffMs = FIRST_BACKOFF_MS;
      options.log(`${options.name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); ${options.meanwhile}; restarting in ${backoffMs} ms`);
      for (;;) {
        await pause(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
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
          options.log(`${options.name} could not be restarted: ${err instanceof Error ? err.message : String(err)}; trying again in ${backoffMs} ms`);
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
