/** What the lanes slow down when too much is queued: the consumer's message stream. */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

export interface PartitionLanesOptions<T> {
  /** Handles one item; must not reject (it retries or gives up by itself). */
  work(item: T): Promise<void>;
  /** Lanes working at the same time. */
  concurrency: number;
  /** Items queued over all lanes before the source is paused; it resumes at half. */
  maxQueued: number;
  flow: FlowControl;
}

/**
 * Runs items of one lane (a topic partition) strictly one after another, in arrival order, and
 * different lanes side by side up to `concurrency`: one aggregate's events stay sequential while
 * a slow partition does not hold up the others. The source is paused while too much waits.
 */
export class PartitionLanes<T> {
  private readonly tails = new Map<string, Promise<void>>();
  private queued = 0;
  private paused = false;
  private running = 0;
  private readonly waitingForSlot: (() => void)[] = [];

  constructor(private readonly options: PartitionLanesOptions<T>) {}

  push(lane: string, item: T): void {
    this.queued += 1;
    if (!this.paused && this.queued >= this.options.maxQueued) {
      this.paused = true;
      this.options.flow.pause();
    }
    const previous = this.tails.get(lane) ?? Promise.resolve();
    // `work` does not reject by contract; the catch only keeps a broken one from stalling the lane.
    const next = previous.then(() => this.runInSlot(item)).catch(() => undefined);
    this.tails.set(lane, next);
    void next.then(() => {
      this.queued -= 1;
      if (this.tails.get(lane) === next) this.tails.delete(lane);
      if (this.paused && this.queued <= this.options.maxQueued / 2) {
        this.paused = false;
        this.options.flow.resume();
      }
    });
  }

  /** Resolves once every item pushed so far has been handled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async runInSlot(item: T): Promise<void> {
    if (this.running >= this.options.concurrency) await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    else this.running += 1;
    try {
      await this.options.work(item);
    } finally {
      // The slot passes straight to the next waiting lane, if any.
      const next = this.waitingForSlot.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
