import { RestartBackoff } from '../../cli/src/supervisor/restart-backoff';

test('restart delays double from 1 s up to 30 s, and start over after a run of over a minute', () => {
  const backoff = new RestartBackoff();
  expect(Array.from({ length: 7 }, () => backoff.next(500))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  expect(backoff.next(61_000)).toBe(1_000);
  expect(backoff.next()).toBe(2_000);
});
