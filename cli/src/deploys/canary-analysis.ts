/**
 * The canary's verdict from request counts and latency histograms (the kit's
 * http_request_duration_seconds, probes excluded): pure, so every rule is unit-tested; the
 * scraping is in instance-metrics.ts.
 */

/** Requests, 5xx answers and the cumulative latency histogram (upper bound in s → count). */
export interface RequestStats {
  requests: number;
  errors: number;
  buckets: Map<number, number>;
}

export interface CanaryThresholds {
  /** Requests each side needs before its figures count. */
  minRequests: number;
  /** How far (absolute, 0.01 = one percentage point) the candidate's 5xx ratio may exceed the stable one's. */
  maxErrorIncrease: number;
  /** How many times the stable p99 the candidate's may be. */
  maxP99Ratio: number;
  /**
   * A p99 difference below this (seconds) is noise at any ratio: one step of the kit's latency
   * histogram (10 → 25 ms); a healthy, freshly started candidate on a busy node measured 22.6 ms
   * against the stable 9.7 ms and was rolled back under a 10 ms floor.
   */
  minP99DeltaS: number;
}

export const DEFAULT_THRESHOLDS: CanaryThresholds = { minRequests: 50, maxErrorIncrease: 0.01, maxP99Ratio: 2, minP99DeltaS: 0.025 };

export interface SideSummary {
  requests: number;
  errorRatio: number;
  /** Seconds; null without requests. */
  p99: number | null;
}

export interface CanaryVerdict {
  decision: 'promote' | 'roll back' | 'wait';
  reason: string;
  candidate: SideSummary;
  stable: SideSummary;
}

const METRIC = 'http_request_duration_seconds';
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export const emptyStats = (): RequestStats => ({ requests: 0, errors: 0, buckets: new Map() });

/** One scrape of an instance's /metrics (Prometheus text format) reduced to its request stats. */
export function requestStats(text: string): RequestStats {
  const stats = emptyStats();
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match?.[1]?.startsWith(METRIC)) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1], m[2]]));
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    if (match[1] === `${METRIC}_count`) {
      stats.requests += value;
      if (labels.status_code?.startsWith('5')) stats.errors += value;
    } else if (match[1] === `${METRIC}_bucket` && labels.le !== undefined) {
      const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
      stats.buckets.set(le, (stats.buckets.get(le) ?? 0) + value);
    }
  }
  return stats;
}

/** What happened between two scrapes of one instance; a restart in between (counters reset) counts from zero. */
export function statsDelta(after: RequestStats, before: RequestStats | undefined): RequestStats {
  if (!before || after.requests < before.requests) return after;
  const buckets = new Map([...after.buckets].map(([le, n]) => [le, n - (before.buckets.get(le) ?? 0)]));
  return { requests: after.requests - before.requests, errors: after.errors - before.errors, buckets };
}

export function sumStats(list: readonly RequestStats[]): RequestStats {
  const total = emptyStats();
  for (const s of list) {
    total.requests += s.requests;
    total.errors += s.errors;
    for (const [le, n] of s.buckets) total.buckets.set(le, (total.buckets.get(le) ?? 0) + n);
  }
  return total;
}

/** The q-quantile from cumulative buckets, interpolated inside its bucket as Prometheus's histogram_quantile does. */
export function quantile(stats: RequestStats, q: number): number | null {
  const bounds = [...stats.buckets.keys()].sort((a, b) => a - b);
  const total = stats.buckets.get(Infinity) ?? stats.requests;
  if (total <= 0 || bounds.length === 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = stats.buckets.get(le) ?? 0;
    if (count >= rank) {
      if (le === Infinity) return lower;
      return count === below ? le : lower + ((le - lower) * (rank - below)) / (count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}

export function summarize(stats: RequestStats): SideSummary {
  return { requests: stats.requests, errorRatio: stats.requests > 0 ? stats.errors / stats.requests : 0, p99: quantile(stats, 0.99) };
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(2)} %`;
const ms = (seconds: number | null): string => (seconds === null ? 'n/a' : `${(seconds * 1000).toFixed(1)} ms`);

/** What the candidate and the stable release served over one stretch of the analysis window. */
export interface CanaryReadings {
  candidate: RequestStats;
  stable: RequestStats;
}

/**
 * Errors decide as soon as the candidate has enough requests (a failing canary is stopped early);
 * latency and promotion wait for the end of the window. Too few requests at the end roll back:
 * a canary nobody exercised is not known to be good.
 *
 * Latency is compared over `warm`, the part of the window after the candidate's warm-up, when
 * both sides have enough requests there: a freshly started process answers its first requests
 * slowly (JIT, new database connections), and on a busy node that cold start alone reached 2.6×
 * the stable p99 (CI: 72.6 ms vs 28.0 ms) and rolled back a healthy release. Errors count from the
 * start: a failure while warming up is still a failure.
 */
export function judgeCanary(whole: CanaryReadings, warm: CanaryReadings | null, t: CanaryThresholds, windowOver: boolean): CanaryVerdict {
  const candidate = summarize(whole.candidate);
  const stable = summarize(whole.stable);
  const verdict = (decision: CanaryVerdict['decision'], reason: string): CanaryVerdict => ({ decision, reason, candidate, stable });
  const enoughCandidate = candidate.requests >= t.minRequests;
  const enoughStable = stable.requests >= t.minRequests;
  // Without enough stable requests the stable ratio is taken as 0: the candidate must be clean on its own.
  const stableRatio = enoughStable ? stable.errorRatio : 0;
  if (enoughCandidate && candidate.errorRatio > stableRatio + t.maxErrorIncrease) {
    return verdict('roll back', `5xx ratio ${pct(candidate.errorRatio)} vs stable ${pct(stableRatio)} (allowed +${pct(t.maxErrorIncrease)}) over ${candidate.requests} requests`);
  }
  if (!windowOver) return verdict('wait', `${candidate.requests} candidate and ${stable.requests} stable requests so far`);
  if (!enoughCandidate || !enoughStable) {
    return verdict('roll back', `too few requests to judge: candidate ${candidate.requests}, stable ${stable.requests} (each needs ${t.minRequests})`);
  }
  const warmEnough = warm !== null && warm.candidate.requests >= t.minRequests && warm.stable.requests >= t.minRequests;
  const latency = warmEnough ? { candidate: summarize(warm.candidate), stable: summarize(warm.stable), over: 'after warm-up' } : { candidate, stable, over: 'whole window' };
  if (latency.candidate.p99 !== null && latency.stable.p99 !== null && latency.candidate.p99 > latency.stable.p99 * t.maxP99Ratio && latency.candidate.p99 - latency.stable.p99 > t.minP99DeltaS) {
    return verdict('roll back', `p99 ${ms(latency.candidate.p99)} vs stable ${ms(latency.stable.p99)} (allowed ×${t.maxP99Ratio}, ${latency.over})`);
  }
  return verdict('promote', `5xx ${pct(candidate.errorRatio)} vs ${pct(stable.errorRatio)}, p99 ${ms(latency.candidate.p99)} vs ${ms(latency.stable.p99)} (${latency.over}) over ${candidate.requests}/${stable.requests} requests`);
}
