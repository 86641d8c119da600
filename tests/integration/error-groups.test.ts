import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { loggingFixtureEntry } from '../harness/logging';
import { startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * Error grouping in a running instance (runMain, the kit's HTTP app, its metrics): a 500 and an
 * exception nobody caught are both logged with their group, and counted by it.
 */
let consul: TestConsul;
let logDir: string;
let instance: ServiceProcess;

interface Line {
  message: string;
  'log.level': string;
  error?: { type?: string; message?: string; fingerprint?: string };
}
const lines = (): Line[] =>
  readFileSync(join(logDir, 'grouping-fixture', `${instance.instanceId}.log`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

beforeAll(async () => {
  consul = await startTestConsul();
  logDir = mkdtempSync(join(tmpdir(), 'error-groups-'));
  instance = await startRegisteredService(loggingFixtureEntry, 'grouping-fixture', consul.httpAddr, { FIXTURE_SERVICE_NAME: 'grouping-fixture', LOG_DIR: logDir, LOG_TO_STDOUT: 'false' });
}, 60_000);

afterAll(async () => {
  await instance?.child.stop(3_000);
  await consul?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

test('two 500s of the same bug with different ids are one group, in the log lines and in kit_error_group_events_total', async () => {
  for (let i = 0; i < 2; i += 1) expect((await fetch(`http://127.0.0.1:${instance.port}/fail`)).status).toBe(500);
  // The file transport writes after the answer has gone.
  const failed = await waitFor(() => lines().filter((l) => l.message === 'request failed').length === 2 && lines().filter((l) => l.message === 'request failed'), { timeoutMs: 5_000, what: 'two request failed lines' });
  const [first, second] = failed.map((l) => l.error?.fingerprint);
  expect(first).toMatch(/^[0-9a-f]{12}$/);
  expect(second).toBe(first);
  expect(failed[0]?.error?.message).not.toBe(failed[1]?.error?.message);
  const metrics = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
  expect(metrics).toMatch(new RegExp(`kit_error_group_events_total\\{fingerprint="${first}",error_type="Error",[^}]*\\} 2`));
});

test('an exception nobody caught is logged with its group before the instance exits 1', async () => {
  expect((await fetch(`http://127.0.0.1:${instance.port}/crash`)).status).toBe(200);
  const exit = await instance.child.exited;
  expect(exit.code).toBe(1);
  const fatal = lines().find((l) => l.message === 'uncaughtException; the instance exits');
  expect(fatal).toMatchObject({ 'log.level': 'error', error: { type: 'RangeError' } });
  expect(fatal?.error?.fingerprint).toMatch(/^[0-9a-f]{12}$/);
  expect(fatal?.error?.message).toMatch(/^fixture queue depth \d+ out of range$/);
  // The trace is still where a crash's has always been: the process's own output.
  expect(instance.output()).toContain('RangeError: fixture queue depth');
});
