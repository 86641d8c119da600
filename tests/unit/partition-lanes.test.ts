import { messaging } from '@platform/service-kit';

const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

function flowRecorder() {
  const calls: string[] = [];
  return { calls, pause: () => void calls.push('pause'), resume: () => void calls.push('resume') };
}

test('items of one partition are handled one after another, in arrival order', async () => {
  const done: number[] = [];
  let inPartition = 0;
  let mostAtOnce = 0;
  const lanes = new messaging.PartitionLanes<number>({
    work: async (n) => {
      inPartition += 1;
      mostAtOnce = Math.max(mostAtOnce, inPartition);
      await tick(n % 3);
      done.push(n);
      inPartition -= 1;
    },
    concurrency: 3,
    maxQueued: 100,
    flow: flowRecorder(),
  });
  for (let n = 0; n < 20; n += 1) lanes.push('p0', n);
  await lanes.idle();
  expect(done).toEqual(Array.from({ length: 20 }, (_, n) => n));
  expect(mostAtOnce).toBe(1);
});

test('different partitions run side by side, never more than the concurrency', async () => {
  let running = 0;
  let mostAtOnce = 0;
  const lanes = new messaging.PartitionLanes<string>({
    work: async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await tick(5);
      running -= 1;
    },
    concurrency: 2,
    maxQueued: 100,
    flow: flowRecorder(),
  });
  for (const partition of ['0', '1', '2', '3', '4']) lanes.push(partition, partition);
  await lanes.idle();
  expect(mostAtOnce).toBe(2);
});

test('a slow partition does not hold up the others', async () => {
  const done: string[] = [];
  let releaseSlow: () => void = () => undefined;
  const lanes = new messaging.PartitionLanes<string>({
    work: async (item) => {
      if (item === 'slow') await new Promise<void>((resolve) => (releaseSlow = resolve));
      done.push(item);
    },
    concurrency: 2,
    maxQueued: 100,
    flow: flowRecorder(),
  });
  lanes.push('0', 'slow');
  lanes.push('1', 'a');
  lanes.push('1', 'b');
  await tick(10);
  expect(done).toEqual(['a', 'b']);
  releaseSlow();
  await lanes.idle();
  expect(done).toEqual(['a', 'b', 'slow']);
});

test('the source is paused while too much is queued and resumed once half of it is handled', async () => {
  const flow = flowRecorder();
  const waiting: (() => void)[] = [];
  const lanes = new messaging.PartitionLanes<number>({ work: () => new Promise<void>((resolve) => waiting.push(resolve)), concurrency: 1, maxQueued: 4, flow });
  for (let n = 0; n < 4; n += 1) lanes.push('p0', n);
  expect(flow.calls).toEqual(['pause']);
  for (let n = 0; n < 2; n += 1) {
    await tick();
    waiting.shift()?.();
  }
  await tick();
  expect(flow.calls).toEqual(['pause', 'resume']);
  for (let n = 0; n < 2; n += 1) {
    await tick();
    waiting.shift()?.();
  }
  await lanes.idle();
  expect(flow.calls).toEqual(['pause', 'resume']);
});
