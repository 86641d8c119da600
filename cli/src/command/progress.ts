/** Where progress goes: a terminal gets a live line, anything else (a pipe, a log, CI) plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** A wait shorter than this shows no clock (2 s). */
  thresholdMs?: number;
  /** How often the live line is redrawn. */
  tickMs?: number;
  now?: () => number;
}

const CLEAR_LINE = '\r\x1b[2K';

/**
 * One wait the user is shown: `▸ label` at once; on a terminal the same line then counts the
 * seconds once the wait passes the threshold, and notes (an installer's lines) scroll above it;
 * elsewhere each note is a plain line and the end says how long it took.
 */
export class Progress {
  private readonly startedAt: number;
  private readonly thresholdMs: number;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly label: string,
    private readonly stream: ProgressStream,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.thresholdMs = options.thresholdMs ?? 2_000;
    this.startedAt = this.now();
    if (!stream.isTTY) {
      stream.write(`▸ ${label}\n`);
      return;
    }
    this.render();
    this.timer = setInterval(() => this.render(), options.tickMs ?? 250);
    this.timer.unref();
  }

  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  /** Redraws the live line (a terminal only). */
  render(): void {
    const elapsed = this.elapsedMs();
    this.stream.write(`${CLEAR_LINE}▸ ${this.label}${elapsed >= this.thresholdMs ? ` … ${Math.floor(elapsed / 1000)} s` : ''}`);
  }

  /** A line printed while the wait goes on. */
  note(line: string): void {
    if (!this.stream.isTTY) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.stream.write(`${CLEAR_LINE}${line}\n`);
    this.render();
  }

  /** Ends the wait; `outcome` replaces "done" (e.g. "failed"). */
  end(outcome = 'done'): void {
    clearInterval(this.timer);
    const elapsed = this.elapsedMs();
    const took = `${outcome} in ${(elapsed / 1000).toFixed(1)} s`;
    if (this.stream.isTTY) this.stream.write(`${CLEAR_LINE}▸ ${this.label} (${took})\n`);
    else if (elapsed >= this.thresholdMs || outcome !== 'done') this.stream.write(`  ${took}\n`);
  }
}

/** Runs `work` under a progress line that ends "done" or "failed" with the time it took. */
export async function withProgress<T>(label: string, work: (progress: Progress) => Promise<T>, stream: ProgressStream = process.stdout): Promise<T> {
  const progress = new Progress(label, stream);
  try {
    const result = await work(progress);
    progress.end();
    return result;
  } catch (err) {
    progress.end('failed');
    throw err;
  }
}
