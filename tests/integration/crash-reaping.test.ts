import { waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { healthOf, instanceStatus } from '../harness/consul-queries';
import { entryPoints, startRegisteredService } from '../harness/service-process';

let consul: TestConsul;

beforeAll(async () => {
  consul = await startTestConsul();
});
afterAll(async () => {
  await consul.stop();
});

// Consul never reaps sooner than one minute and looks every 30 s, so this test takes about 90 s.
test('kill -9: the check goes critical within 3 s and Consul deregisters the instance after its critical timeout', async () => {
  const proc = await startRegisteredService(entryPoints.slow, 'slow', consul.httpAddr, {
    INSTANCE_ID: 'slow-crash-1',
    DEREGISTER_CRITICAL_AFTER: '1m',
    FIXTURE_LABEL: 'crash',
  });
  proc.child.signal('SIGKILL');
  const killedAt = Date.now();

  await waitFor(async () => (await instanceStatus(consul.httpAddr, 'slow', 'slow-crash-1')) === 'critical', {
    timeoutMs: 3_000,
    intervalMs: 50,
    what: 'the check to go critical',
  });
  // Still listed (critical) well before the timeout: Consul keeps it until the minute is up.
  expect((await healthOf(consul.httpAddr, 'slow')).map((e) => e.Service.ID)).toContain('slow-crash-1');

  await waitFor(async () => !(await healthOf(consul.httpAddr, 'slow')).some((e) => e.Service.ID === 'slow-crash-1'), {
    timeoutMs: 110_000,
    intervalMs: 1_000,
    what: 'Consul to deregister the critical instance',
  });
  expect(Date.now() - killedAt).toBeGreaterThanOrEqual(60_000);
});
