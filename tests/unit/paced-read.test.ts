import { sleep } from '@platform/process-runner';
import { PacedRead } from '@platform/service-kit/dist/discovery/paced-read';

test('asks during a run fold into one more run, and runs are spaced by ten times the last one (100 ms to 2 s)', async () => {
  const starts: number[] = [];
  const read = new PacedRead(async () => {
    starts.push(Date.now());
    await sleep(20);
  });
  read.request();
  for (let i = 0; i < 5; i += 1) read.request();
  await sleep(600);
  read.stop();
  expect(starts).toHaveLength(2);
  expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(195);
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
  await sleep(50);
  read.stop();
  expect(starts).toHaveLength(2);
  expect((starts[1] ?? 0) - (starts[0] ?? 0)).toBeLessThan(1_000);
});
