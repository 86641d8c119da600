export interface OutageHandlers {
  /** The source failed after answering (or before it ever answered). */
  down(error: Error): void;
  /** The source answers again after `down`. */
  up?(): void;
}

/**
 * Tells of a polled source (Consul, Kafka, the database, the log store) once when it starts
 * failing and once when it answers again: a poll every second during a minute's outage would
 * otherwise write sixty identical warnings and hide the lines around them.
 */
export class OutageReport {
  private failing = false;

  constructor(private readonly handlers: OutageHandlers) {}

  get isDown(): boolean {
    return this.failing;
  }

  failed(error: unknown): void {
    if (!this.failing) this.handlers.down(error instanceof Error ? error : new Error(String(error)));
    this.failing = true;
  }

  succeeded(): void {
    if (this.failing) this.handlers.up?.();
    this.failing = false;
  }
}
