const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A process that stayed up this long is considered healthy again: its next restart is quick. */
const STABLE_AFTER_MS = 60_000;

/** The wait before each restart of a supervised process: doubling from 1 s up to 30 s. */
export class RestartBackoff {
  private delayMs = FIRST_DELAY_MS;

  /** The wait before the next start; `upMs`, how long the process ran, resets it after a stable run. */
  next(upMs?: number): number {
    if (upMs !== undefined && upMs > STABLE_AFTER_MS) this.delayMs = FIRST_DELAY_MS;
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, MAX_DELAY_MS);
    return delay;
  }
}
