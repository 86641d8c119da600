import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PlatformError } from '@platform/process-runner';
import { ConfigError } from '@platform/service-kit';
import { describeFailure } from '../../cli/src/failure';
import { callControl, startControlServer } from '../../cli/src/supervisor/control-server';

const raised = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

test('a coded error prints as its code and message with the catalogue hint, no stack, and exits with its status', () => {
  const failure = describeFailure(new PlatformError('PLATFORM_NOT_RUNNING', 'the platform is not running (start it with: npm run up)'), {});
  expect(failure).toEqual({ code: 'PLATFORM_NOT_RUNNING', exit: 3, text: 'PLATFORM_NOT_RUNNING: the platform is not running (start it with: npm run up)\n  hint: start it with: npm run up\n' });
  expect(describeFailure(new ConfigError(['PORT: must be a port']), {})).toMatchObject({ code: 'KIT_CONFIG_INVALID', exit: 1, text: expect.stringContaining('  - PORT: must be a port') });
});

test("an error without a code is PLATFORM_INTERNAL, and Node's own option parsing errors are usage errors (exit 2)", () => {
  const plain = describeFailure(new Error('boom'), {});
  expect(plain).toMatchObject({ code: 'PLATFORM_INTERNAL', exit: 1 });
  expect(plain.text.split('\n')[0]).toBe('PLATFORM_INTERNAL: boom');
  expect(plain.text).not.toContain('at ');
  const usage = describeFailure(raised(() => parseArgs({ args: ['--nope'], options: {} })), {});
  expect(usage).toMatchObject({ code: 'PLATFORM_USAGE', exit: 2 });
});

test('PLATFORM_DEBUG=1 adds the stack and its causes', () => {
  const failure = describeFailure(new PlatformError('PLATFORM_UP_FAILED', 'consul exited', { cause: new Error('root cause') }), { PLATFORM_DEBUG: '1' });
  expect(failure.text).toContain('PLATFORM_UP_FAILED: consul exited');
  expect(failure.text).toMatch(/PlatformError: consul exited\n\s+at /);
  expect(failure.text).toContain('caused by: Error: root cause');
});

test("a supervisor's refusal reaches the CLI with the supervisor's own code; no supervisor at all is PLATFORM_SUPERVISOR_UNREACHABLE", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'control-'));
  const socket = join(dir, 'control.sock');
  const server = await startControlServer(socket, {
    'POST /scale': async () => {
      throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', 'unknown service nope');
    },
  });
  try {
    await expect(callControl(socket, 'POST', '/scale', {})).rejects.toMatchObject({ code: 'PLATFORM_UNKNOWN_SERVICE', message: 'unknown service nope' });
  } finally {
    server.close();
  }
  await expect(callControl(join(dir, 'none.sock'), 'GET', '/state')).rejects.toMatchObject({ code: 'PLATFORM_SUPERVISOR_UNREACHABLE' });
  rmSync(dir, { recursive: true, force: true });
});
