import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryPoints, spawnService } from '../harness/service-process';

/** Starts an instance that must fail, and returns its exit code and everything it printed. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = spawnService(entryPoints.slow, { CONSUL_START_TIMEOUT_MS: '1000', ...env });
  const exit = await proc.child.exited;
  return { code: exit.code, output: proc.output() };
}

const STACK_FRAME = /^\s+at /m;

test('a missing required variable is named, with a non-zero exit and no stack trace', async () => {
  const { code, output } = await failedStart({ CONSUL_HTTP_ADDR: '127.0.0.1:1' });
  expect(code).not.toBe(0);
  expect(output).toContain('FIXTURE_LABEL: is required but not set');
  expect(output).not.toMatch(STACK_FRAME);
});

test('a port out of range is named with the value given', async () => {
  const { code, output } = await failedStart({ FIXTURE_LABEL: 'x', PORT: '70000' });
  expect(code).not.toBe(0);
  expect(output).toContain('PORT: must be an integer between 0 and 65535 (got "70000")');
  expect(output).not.toMatch(STACK_FRAME);
});

test('several bad variables are all reported at once', async () => {
  const { output } = await failedStart({ FIXTURE_LABEL: 'x', PORT: 'eighty', LOG_LEVEL: 'loud', CHECK_INTERVAL: 'often' });
  expect(output).toContain('PORT:');
  expect(output).toContain('LOG_LEVEL:');
  expect(output).toContain('CHECK_INTERVAL: must be a duration');
});

test('an unreachable Consul agent at start is a clear error naming its address', async () => {
  const { code, output } = await failedStart({ FIXTURE_LABEL: 'x', CONSUL_HTTP_ADDR: '127.0.0.1:1' });
  expect(code).not.toBe(0);
  expect(output).toContain('cannot reach the Consul agent at 127.0.0.1:1');
  expect(output).toContain('KIT_START_FAILED');
  expect(output).not.toMatch(STACK_FRAME);
});

test('an unreadable or malformed CONSUL_HTTP_TOKEN_FILE stops the start naming the variable, never the file content', async () => {
  const missing = await failedStart({ FIXTURE_LABEL: 'x', CONSUL_HTTP_TOKEN_FILE: '/nonexistent/consul.token' });
  expect(missing.code).not.toBe(0);
  expect(missing.output).toContain('CONSUL_HTTP_TOKEN_FILE names /nonexistent/consul.token, which cannot be read (ENOENT)');
  expect(missing.output).not.toMatch(STACK_FRAME);
  const dir = mkdtempSync(join(tmpdir(), 'token-'));
  writeFileSync(join(dir, 'token'), 'not-a-token-but-a-secret', { mode: 0o600 });
  const malformed = await failedStart({ FIXTURE_LABEL: 'x', CONSUL_HTTP_TOKEN_FILE: join(dir, 'token') });
  expect(malformed.code).not.toBe(0);
  expect(malformed.output).toContain('does not hold a Consul token (a UUID)');
  expect(malformed.output).not.toContain('not-a-token-but-a-secret');
});
