import { jitteredBackoffMs } from '@platform/service-kit';

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A process that stayed up this long is considered healthy again: its next restart is quick. */
const STABLE_AFTER_MS = 60_000;

/**
 * The wait before each restart of a supervised process: the platform's jittered backoff, doubling
 * from about 1 s up to about 30 s, so instances that crashed together do not restart in step.
 */
export class RestartBackoff {
  private failures = 0;

  /** The wait before the next start; `upMs`, how long the process ran, resets it after a stable run. */
  next(upMs?: number): number {
    if (upMs !== undefined && upMs > STABLE_AFTER_MS) this.failures = 0;
    this.failures += 1;
    return jitteredBackoffMs(this.failures, { firstMs: FIRST_DELAY_MS, maxMs: MAX_DELAY_MS });
  }
}
