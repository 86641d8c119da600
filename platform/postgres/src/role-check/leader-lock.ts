/**
 * How long Patroni's last "this server leads" stands. Counted from when that question was sent
 * (its answer describes a moment after it), so the role check never vouches for the lock longer
 * than this after Patroni last confirmed it, however slow the answers are. Below what a failover
 * takes: another member can lead only once this one's Consul session is gone, over 2 s after its
 * Patroni stopped answering (measured failovers 2.1-3.3 s to the first write), and the database
 * HAProxy cuts this server's sessions within 0.75 s of the first 503 (two failed checks).
 */
export const LOCK_CONFIRMATION_STANDS_MS = 1_500;

/** A question Patroni has not answered after this long is given up. */
const GIVE_UP_MS = 3_000;

/**
 * How often Patroni is asked. Answers that take up to LOCK_CONFIRMATION_STANDS_MS minus this keep
 * the lock confirmed without a gap (1.25 s); the SQL observations' 100 ms would bunch the questions
 * up behind MAX_IN_FLIGHT instead of spreading them.
 */
export const LOCK_QUESTION_EVERY_MS = 250;

/** Questions waiting for Patroni at once, at most (a stuck Patroni is not sent more and more). */
const MAX_IN_FLIGHT = 8;

/** Patroni's answer about its leader lock: true (200), false (any other status), undefined (no answer). */
export type LockQuestion = (signal: AbortSignal) => Promise<boolean>;

/** Asks `GET <patroni>/primary`. */
export const askPatroni =
  (patroniUrl: string): LockQuestion =>
  async (signal) => {
    const res = await fetch(`${patroniUrl}/primary`, { signal });
    await res.arrayBuffer();
    return res.status === 200;
  };

/**
 * Whether this server's Patroni holds the leader lock, asked on a loop of its own so a slow
 * Patroni never holds up the role check's SQL observations. A "no" counts at once; a "yes" stands
 * for LOCK_CONFIRMATION_STANDS_MS from when it was asked. It used to be asked inside each
 * observation with a 1 s timeout and trusted for 1 s after the last answer arrived: an answer
 * taking a second (Patroni busy on a loaded machine) outlived that grace by itself, the role check
 * answered 503 for the healthy primary, and the database HAProxy cut every session to it (a
 * read-your-writes read answered "database could not be reached" in CI).
 */
export class LeaderLockWatch {
  private confirmedAskedAt = 0;
  private deniedAskedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ask: LockQuestion,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves after the first question, so the first observation already knows the answer. Then a
   * question goes every `intervalMs` without waiting for the one before (at most MAX_IN_FLIGHT
   * unanswered): asked one after the other, answers that each take a second would leave the last
   * "yes" older than the confirmation time while the next is awaited, and the check would flap.
   */
  async start(): Promise<void> {
    const first = this.askTracked();
    this.timer = setInterval(() => {
      if (this.inFlight.size < MAX_IN_FLIGHT) void this.askTracked();
    }, this.intervalMs);
    await first;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  private askTracked(): Promise<void> {
    const question: Promise<void> = this.askOnce().finally(() => this.inFlight.delete(question));
    this.inFlight.add(question);
    return question;
  }

  /** True while Patroni's last answer was "yes" and was asked less than LOCK_CONFIRMATION_STANDS_MS ago. */
  holds(): boolean {
    return this.confirmedAskedAt > 0 && this.now() - this.confirmedAskedAt < LOCK_CONFIRMATION_STANDS_MS;
  }

  /** One question; a missing answer changes nothing (the last "yes" ages out by itself). */
  async askOnce(): Promise<void> {
    const askedAt = this.now();
    try {
      const yes = await this.ask(AbortSignal.timeout(GIVE_UP_MS));
      // Questions overlap, so answers can arrive out of order: the newest question answered
      // decides (an old slow "yes" never revives the lock after a newer "no").
      if (yes && askedAt > this.deniedAskedAt) this.confirmedAskedAt = Math.max(this.confirmedAskedAt, askedAt);
      if (!yes) {
        this.deniedAskedAt = Math.max(this.deniedAskedAt, askedAt);
        if (this.confirmedAskedAt <= askedAt) this.confirmedAskedAt = 0;
      }
    } catch {
      // Patroni busy or restarting: no answer is no news.
    }
  }
}
