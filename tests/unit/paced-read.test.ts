import { sleep } from '@platform/process-runner';
import { PacedRead } from '@platform/service-kit/dist/discovery/paced-read';

/** Polls until `done` or `ms` pass: a loaded machine delays timers, so the tests wait for events, not fixed times. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(10);
}

test('asks during a run fold into one more run, and runs are spaced by ten times the last one (100 ms to 2 s)', async () => {
  const starts: number[] = [];
  const durations: number[] = [];
  const read = new PacedRead(async () => {
    const at = Date.now();
    starts.push(at);
    await sleep(20);
    durations.push(Date.now() - at);
  });
  read.request();
  for (let i = 0; i < 5; i += 1) read.request();
  await until(() => starts.length >= 2, 5_000);
  await sleep(300);
  read.stop();
  expect(starts).toHaveLength(2);
  const spacing = PacedRead.intervalMs(durations[0] ?? 0);
  expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(spacing - 5);
  expect(PacedRead.intervalMs(1)).toBe(100);
  expect(PacedRead.intervalMs(50)).toBe(500);
  expect(PacedRead.intervalMs(1_000)).toBe(2_000);
});

test('a relaxed ask waits 2 s after the last run; a plain ask meanwhile brings the run forward', async () => {
  const starts: number[] = [];
  const read = new PacedRead(async () => void starts.push(Date.now()));
  read.request();
  await sleep(20);
  read.request(true);
  await sleep(400);
  expect(starts).toHaveLength(1);
  read.request();
  await until(() => starts.length >= 2, 1_000);
  read.stop();
  expect(starts).toHaveLength(2);
  expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeLessThan(1_000);
});
