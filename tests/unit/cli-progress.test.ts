import { Progress, withProgress, type ProgressStream } from '../../cli/src/command/progress';

/** A stream that keeps what is written, a terminal or not. */
const stream = (isTTY: boolean): ProgressStream & { text: string } => {
  const s = { isTTY, text: '', write: (t: string) => (s.text += t) };
  return s;
};

test('on a pipe: one plain line at the start, notes as lines, and the time taken once the wait passed 2 s', () => {
  let now = 0;
  const out = stream(false);
  const progress = new Progress('installing', out, { now: () => now });
  progress.note('[install:consul] present');
  now = 3_400;
  progress.end();
  expect(out.text).toBe('▸ installing\n[install:consul] present\n  done in 3.4 s\n');
});

test('on a pipe, a short wait adds nothing after its line, and a failed one says so', () => {
  let now = 0;
  const quick = stream(false);
  new Progress('scaling', quick, { now: () => now }).end();
  expect(quick.text).toBe('▸ scaling\n');
  const failed = stream(false);
  const progress = new Progress('waiting', failed, { now: () => now });
  now = 500;
  progress.end('failed');
  expect(failed.text).toBe('▸ waiting\n  failed in 0.5 s\n');
});

test('on a terminal: one line redrawn in place, counting seconds only after 2 s, notes scrolling above it, ending with the time', () => {
  let now = 0;
  const out = stream(true);
  const progress = new Progress('waiting for 4 instances', out, { now: () => now, tickMs: 60_000 });
  now = 1_000;
  progress.render();
  now = 5_200;
  progress.render();
  progress.note('a line meanwhile');
  now = 7_000;
  progress.end();
  const frames = out.text.split('\r\x1b[2K').filter(Boolean);
  expect(frames).toEqual([
    '▸ waiting for 4 instances',
    '▸ waiting for 4 instances',
    '▸ waiting for 4 instances … 5 s',
    'a line meanwhile\n',
    '▸ waiting for 4 instances … 5 s',
    '▸ waiting for 4 instances (done in 7.0 s)\n',
  ]);
});

test('withProgress returns what the work returns, and ends the line as failed when the work throws', async () => {
  const out = stream(false);
  await expect(withProgress('a', async () => 42, out)).resolves.toBe(42);
  await expect(withProgress('b', async () => Promise.reject(new Error('no')), out)).rejects.toThrow('no');
  expect(out.text).toMatch(/^▸ a\n▸ b\n {2}failed in \d\.\d s\n$/);
});
