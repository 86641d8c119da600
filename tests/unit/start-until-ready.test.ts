import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastErrorLines, pidAlive, StartError, startUntilReady } from '@platform/process-runner';

const dir = mkdtempSync(join(tmpdir(), 'start-until-ready-'));
const sh = (name: string, script: string) => ({ command: 'sh', args: ['-c', script], outputFile: join(dir, `${name}.log`) });

async function startError(start: Promise<unknown>): Promise<StartError> {
  const err = await start.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StartError);
  return err as StartError;
}

test('a process that exits during start fails it at once with its own error line, not at the timeout', async () => {
  const p = sh('exits', 'echo starting; echo "error: listen tcp 127.0.0.1:1: bind: address already in use" >&2; exit 3');
  const err = await startError(startUntilReady(p.command, p.args, { outputFile: p.outputFile, what: 'the agent', ready: () => false, timeoutMs: 120_000 }));
  expect(err.code).toBe('PLATFORM_START_EXITED');
  expect(err.exit?.code).toBe(3);
  expect(err.message).toContain('the agent exited during start (exit code 3)');
  expect(err.message).toContain('bind: address already in use');
});

test('a command that cannot be started at all is an exit during start, naming it', async () => {
  const err = await startError(startUntilReady(join(dir, 'no-such-binary'), [], { outputFile: join(dir, 'none.log'), what: 'the agent', ready: () => true, timeoutMs: 120_000 }));
  expect(err.code).toBe('PLATFORM_START_EXITED');
  expect(err.message).toContain('the agent did not start');
  expect(err.message).toContain('no-such-binary');
});

test('only what the process wrote during this start explains its exit, not an earlier run in the same file', async () => {
  const p = sh('earlier', 'echo "error: the new reason" >&2; exit 1');
  writeFileSync(p.outputFile, 'error: an old reason\n');
  const err = await startError(startUntilReady(p.command, p.args, { outputFile: p.outputFile, what: 'it', ready: () => false, timeoutMs: 120_000 }));
  expect(err.message).toContain('the new reason');
  expect(err.message).not.toContain('an old reason');
});

test('a check that never passes fails the start at the timeout with the check’s last error, and the process is stopped', async () => {
  const pidFile = join(dir, 'slow.pid');
  const p = sh('slow', `echo $$ > ${pidFile}; exec sleep 60`);
  let calls = 0;
  const ready = () => {
    calls += 1;
    throw new Error(`connection refused (try ${calls})`);
  };
  const err = await startError(startUntilReady(p.command, p.args, { outputFile: p.outputFile, what: 'the store', ready, timeoutMs: 500, intervalMs: 50 }));
  expect(err.code).toBe('PLATFORM_START_TIMEOUT');
  expect(err.message).toContain('the store was not ready after 500 ms');
  expect(calls).toBeGreaterThan(1);
  expect(err.message).toMatch(/last check error: connection refused \(try \d+\)/);
  expect(pidAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
});

test('a check that hangs past the deadline still ends the start at the timeout', async () => {
  const p = sh('hangs', 'exec sleep 60');
  const err = await startError(startUntilReady(p.command, p.args, { outputFile: p.outputFile, what: 'it', ready: () => new Promise(() => undefined), timeoutMs: 300 }));
  expect(err.code).toBe('PLATFORM_START_TIMEOUT');
});

test('a process whose check passes is handed back running', async () => {
  const p = sh('ready', 'exec sleep 60');
  let calls = 0;
  const child = await startUntilReady(p.command, p.args, { outputFile: p.outputFile, what: 'it', ready: () => (calls += 1) >= 3, timeoutMs: 30_000, intervalMs: 10 });
  expect(child.isRunning()).toBe(true);
  expect(calls).toBe(3);
  await child.stop(1_000);
});

test('the explanation is the last error-like lines, or the last line when none looks like one', () => {
  expect(lastErrorLines('booting\nERROR first\nmore\nFATAL second\n')).toBe('ERROR first | FATAL second');
  expect(lastErrorLines('one\ntwo\n\n')).toBe('two');
  expect(lastErrorLines('')).toBeUndefined();
});
