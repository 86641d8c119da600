/**
 * A read that is asked for often (at every move of Consul's registrations) but runs one at a time,
 * folds the asks that arrive while it runs into one more run, and starts at most every ten times
 * as long as its last run took (between 100 ms and 2 s): a run over a large catalog then never
 * takes more than about a tenth of the agent's time, and a small one is repeated quickly.
 */
export class PacedRead {
  private running = false;
  private again = false;
  private lastAt = 0;
  private tookMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly run: () => Promise<void>) {}

  static intervalMs(lastRunMs: number): number {
    return Math.min(2_000, Math.max(100, lastRunMs * 10));
  }

  /** True while a run is going or waiting for its turn. */
  get pending(): boolean {
    return this.running || this.timer !== undefined;
  }

  request(): void {
    if (this.pending) {
      this.again = true;
      return;
    }
    const waitMs = this.lastAt + PacedRead.intervalMs(this.tookMs) - Date.now();
    if (waitMs > 0) {
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
      if (this.again) this.request();
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
