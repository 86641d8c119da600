import { jitteredBackoffMs, sleep } from '../util/backoff';

/** Answers no retry can change: a token without the right (403) or a registration Consul rejects (400). */
const isFinal = (err: unknown): boolean => {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return status === 400 || status === 403;
};

/**
 * The first registration, tried again until `deadline` while the agent is slow or briefly away.
 * An agent restarted with thousands of services on its disk answers a registration only after
 * seconds (measured: 5.7 s with 2,000 instances restored), longer than one call's timeout; failing
 * the start then would take down every instance a `platform up` starts at that moment.
 */
export async function registerAtStart(registration: { register(readyNow: boolean): Promise<void> }, readyNow: () => Promise<boolean>, deadline: number): Promise<void> {
  for (let failures = 1; ; failures += 1) {
    try {
      await registration.register(await readyNow());
      return;
    } catch (err) {
      const wait = jitteredBackoffMs(failures, { firstMs: 200, maxMs: 2_000 });
      if (isFinal(err) || Date.now() + wait >= deadline) throw err;
      await sleep(wait);
    }
  }
}
