import { DEFAULT_THRESHOLDS, judgeCanary, quantile, requestStats, statsDelta, sumStats, type RequestStats } from '../../cli/src/deploys/canary-analysis';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** Stats of `ok` answers and `errors` 5xx answers, every one taking `seconds`. */
function served(ok: number, errors: number, seconds: number): RequestStats {
  const total = ok + errors;
  const buckets = new Map<number, number>([...BOUNDS.map((le): [number, number] => [le, seconds <= le ? total : 0]), [Infinity, total]]);
  return { requests: total, errors, buckets };
}

const metricsText = `# HELP http_request_duration_seconds HTTP request duration by route and status
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users",status_code="200",service="users"} 90
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/users",status_code="200",service="users"} 100
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/users",status_code="200",service="users"} 100
http_request_duration_seconds_sum{method="GET",route="/users",status_code="200",service="users"} 0.4
http_request_duration_seconds_count{method="GET",route="/users",status_code="200",service="users"} 100
http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users",status_code="503",service="users"} 4
http_request_duration_seconds_bucket{le="0.01",method="GET",route="/users",status_code="503",service="users"} 4
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/users",status_code="503",service="users"} 4
http_request_duration_seconds_count{method="GET",route="/users",status_code="503",service="users"} 4
http_request_duration_seconds_count{method="POST",route="/users",status_code="404",service="users"} 2
process_cpu_seconds_total 12
`;

test("an instance's /metrics text gives its requests, its 5xx answers and its cumulative latency buckets", () => {
  const stats = requestStats(metricsText);
  expect({ requests: stats.requests, errors: stats.errors }).toEqual({ requests: 106, errors: 4 });
  expect(stats.buckets).toEqual(new Map([[0.005, 94], [0.01, 104], [Infinity, 104]]));
});

test('the quantile interpolates inside its bucket as histogram_quantile does, and is null without requests', () => {
  expect(quantile(served(100, 0, 0.02), 0.99)).toBeCloseTo(0.01 + 0.015 * 0.99, 6);
  expect(quantile({ requests: 0, errors: 0, buckets: new Map() }, 0.99)).toBeNull();
});

test('a reading after a restart (counters lower than before) counts from zero; otherwise the difference counts', () => {
  const before = served(100, 5, 0.004);
  expect(statsDelta(served(150, 5, 0.004), before)).toMatchObject({ requests: 50, errors: 0 });
  expect(statsDelta(served(30, 1, 0.004), before)).toMatchObject({ requests: 31, errors: 1 });
  expect(sumStats([served(10, 0, 0.004), served(5, 5, 0.004)])).toMatchObject({ requests: 20, errors: 5 });
});

test('a candidate answering 5 % 500s is rolled back as soon as it has enough requests, before the window ends', () => {
  const verdict = judgeCanary({ candidate: served(95, 5, 0.004), stable: served(900, 0, 0.004) }, null, DEFAULT_THRESHOLDS, false);
  expect(verdict.decision).toBe('roll back');
  expect(verdict.reason).toContain('5xx ratio 5.00 % vs stable 0.00 %');
});

test('errors within the allowed increase over the stable release wait for the window, then promote', () => {
  const stable = served(980, 20, 0.004);
  const candidate = served(97, 3, 0.004);
  expect(judgeCanary({ candidate, stable }, null, DEFAULT_THRESHOLDS, false).decision).toBe('wait');
  expect(judgeCanary({ candidate, stable }, null, DEFAULT_THRESHOLDS, true).decision).toBe('promote');
});

test('a candidate three times slower at p99 is rolled back at the end of the window; a slower one below the noise floor is not', () => {
  const slow = judgeCanary({ candidate: served(200, 0, 0.06), stable: served(800, 0, 0.02) }, null, DEFAULT_THRESHOLDS, true);
  expect(slow.decision).toBe('roll back');
  expect(slow.reason).toMatch(/^p99 \d+\.\d ms vs stable \d+\.\d ms/);
  expect(judgeCanary({ candidate: served(200, 0, 0.009), stable: served(800, 0, 0.004) }, null, DEFAULT_THRESHOLDS, true).decision).toBe('promote');
  // A fresh candidate on a busy node (seen in CI): one histogram step slower is not a regression.
  expect(judgeCanary({ candidate: served(200, 0, 0.0226), stable: served(800, 0, 0.0097) }, null, DEFAULT_THRESHOLDS, true).decision).toBe('promote');
});

test('too few requests on either side at the end of the window roll back: an unexercised canary is not known to be good', () => {
  const verdict = judgeCanary({ candidate: served(10, 0, 0.004), stable: served(800, 0, 0.004) }, null, DEFAULT_THRESHOLDS, true);
  expect(verdict).toMatchObject({ decision: 'roll back', reason: 'too few requests to judge: candidate 10, stable 800 (each needs 50)' });
  expect(judgeCanary({ candidate: served(100, 0, 0.004), stable: served(10, 0, 0.004) }, null, DEFAULT_THRESHOLDS, true).decision).toBe('roll back');
});

test('with too few stable requests the candidate must be clean on its own (the stable ratio counts as 0)', () => {
  expect(judgeCanary({ candidate: served(97, 3, 0.004), stable: served(5, 5, 0.004) }, null, DEFAULT_THRESHOLDS, false).decision).toBe('roll back');
});

test("latency is judged after the candidate's warm-up when both sides have enough requests there; errors still count from the start", () => {
  // CI: a healthy candidate's cold start made its whole-window p99 2.6× the stable one.
  const whole = { candidate: sumStats([served(40, 0, 0.2), served(200, 0, 0.02)]), stable: served(900, 0, 0.02) };
  const warm = { candidate: served(200, 0, 0.02), stable: served(700, 0, 0.02) };
  expect(judgeCanary(whole, null, DEFAULT_THRESHOLDS, true).decision).toBe('roll back');
  expect(judgeCanary(whole, warm, DEFAULT_THRESHOLDS, true)).toMatchObject({ decision: 'promote', reason: expect.stringContaining('after warm-up') });
  // A candidate slow for good is slow after its warm-up too.
  expect(judgeCanary(whole, { ...warm, candidate: served(200, 0, 0.2) }, DEFAULT_THRESHOLDS, true).decision).toBe('roll back');
  // Too few requests after the warm-up: the whole window decides.
  expect(judgeCanary(whole, { ...warm, candidate: served(10, 0, 0.02) }, DEFAULT_THRESHOLDS, true).decision).toBe('roll back');
  // Errors while warming up still roll back.
  const failing = { candidate: sumStats([served(40, 10, 0.02), served(200, 0, 0.02)]), stable: served(900, 0, 0.02) };
  expect(judgeCanary(failing, warm, DEFAULT_THRESHOLDS, true).decision).toBe('roll back');
});
