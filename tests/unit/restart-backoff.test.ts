import { jitteredBackoffMs } from '@platform/service-kit';
import { RestartBackoff } from '../../cli/src/supervisor/restart-backoff';

/** Runs `fn` with Math.random fixed at `value` (0: the shortest wait of the jitter, 0.5: the middle). */
function withRandom<T>(value: number, fn: () => T): T {
  const spy = jest.spyOn(Math, 'random').mockReturnValue(value);
  try {
    return fn();
  } finally {
    spy.mockRestore();
  }
}

test('the backoff doubles from its first wait up to its longest, in whole milliseconds', () => {
  expect(withRandom(0.5, () => [1, 2, 3, 4, 10, 100].map((n) => jitteredBackoffMs(n, { firstMs: 100, maxMs: 1_000 })))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
});

test('the jitter spreads each wait over half to one and a half times it, so clients do not retry in step', () => {
  expect(withRandom(0, () => jitteredBackoffMs(3, { firstMs: 100 }))).toBe(200);
  expect(withRandom(0.999_999, () => jitteredBackoffMs(3, { firstMs: 100 }))).toBe(600);
  const waits = new Set(Array.from({ length: 50 }, () => jitteredBackoffMs(3, { firstMs: 100 })));
  expect(waits.size).toBeGreaterThan(10);
});

test('restart delays double from about 1 s up to about 30 s, and start over after a run of over a minute', () => {
  const backoff = new RestartBackoff();
  withRandom(0.5, () => {
    expect(Array.from({ length: 7 }, () => backoff.next(500))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(backoff.next(61_000)).toBe(1_000);
    expect(backoff.next()).toBe(2_000);
  });
});
