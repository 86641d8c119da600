/**
 * A read that is asked for often (at every move of Consul's registrations) but runs one at a time,
 * folds the asks that arrive while it runs into one more run, and starts at most every ten times
 * as long as its last run took (between 100 ms and 2 s): a run over a large catalog then never
 * takes more than about a tenth of the agent's time, and a small one is repeated quickly.
 */
/** The pace of a run asked for only as a safety net. */
const RELAXED_MS = 2_000;

export class PacedRead {
  private running = false;
  private again = false;
  private lastAt = 0;
  private tookMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = 0;

  constructor(private readonly run: () => Promise<void>) {}

  static intervalMs(lastRunMs: number): number {
    return Math.min(2_000, Math.max(100, lastRunMs * 10));
  }

  /**
   * `relaxed`: the caller already knows what changed and asks only as a safety net; the run may
   * wait up to RELAXED_MS after the last one. An ask that is not relaxed brings a waiting run forward.
   */
  private relaxed = true;

  /** True while a run is going or waiting for its turn. */
  get pending(): boolean {
    return this.running || this.timer !== undefined;
  }

  request(relaxed = false): void {
    if (this.running) {
      this.relaxed = this.again ? this.relaxed && relaxed : relaxed;
      this.again = true;
      return;
    }
    const dueAt = this.lastAt + Math.max(PacedRead.intervalMs(this.tookMs), relaxed ? RELAXED_MS : 0);
    if (this.timer) {
      if (relaxed || dueAt >= this.dueAt) return;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const waitMs = dueAt - Date.now();
    if (waitMs > 0) {
      this.dueAt = dueAt;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.request();
      }, waitMs);
      return;
    }
    this.running = true;
    this.again = false;
    this.lastAt = Date.now();
    void this.run().finally(() => {
      this.running = false;
      this.tookMs = Date.now() - this.lastAt;
      if (this.again) this.request(this.relaxed);
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
