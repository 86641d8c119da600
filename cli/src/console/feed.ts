import { watch, type FSWatcher } from 'node:fs';
import type { ConsoleSnapshot } from './snapshot';

export interface FeedOptions {
  collect(): Promise<ConsoleSnapshot>;
  /** A change here (the supervisor rewriting state.json) refreshes at once instead of at the next tick. */
  stateDir: string;
  stateFile: string;
  intervalMs?: number;
}

type Listener = (snapshot: ConsoleSnapshot) => void;

/**
 * The console's refresh loop: runs only while a page listens, one collection at a time, every
 * `intervalMs` and as soon as the supervisor records a change (a crashed instance is on the page
 * within one collection, not up to a tick later).
 */
export class ConsoleFeed {
  private readonly listeners = new Set<Listener>();
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  /** Something changed while a collection ran: the next one starts without waiting. */
  private pending = false;
  private running = false;

  constructor(private readonly options: FeedOptions) {}

  /** Adds a listener (it gets a snapshot soon); returns its removal. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.running) void this.loop();
    else this.poke();
    return () => {
      this.listeners.delete(listener);
      this.poke();
    };
  }

  private poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    this.running = true;
    this.watcher = watch(this.options.stateDir, (_, name) => {
      if (name === this.options.stateFile) this.poke();
    });
    this.watcher.on('error', () => undefined);
    try {
      while (this.listeners.size > 0) {
        this.pending = false;
        // collectSnapshot reports a failing source inside the snapshot; anything else waits a tick.
        const snapshot = await this.options.collect().catch(() => undefined);
        if (snapshot) for (const listener of this.listeners) listener(snapshot);
        if (this.pending) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.intervalMs ?? 2_000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      this.watcher.close();
      this.running = false;
    }
  }

  close(): void {
    this.listeners.clear();
    this.poke();
  }
}
