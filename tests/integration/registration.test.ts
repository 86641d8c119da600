import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep, waitFor } from '@platform/process-runner';
import { createConsulClient, type Logger } from '@platform/service-kit';
import { ConsulRegistration } from '@platform/service-kit/dist/discovery/registration';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { healthOf, passingIds } from '../harness/consul-queries';
import { entryPoints, spawnService, startRegisteredService, type ServiceProcess } from '../harness/service-process';

let consul: TestConsul;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.child.stop(2_000)));
  await consul.stop();
});

test('an instance started with the kit is passing in Consul, with its address, port, tags and meta', async () => {
  const proc = spawnService(entryPoints.slow, {
    CONSUL_HTTP_ADDR: consul.httpAddr,
    CONSUL_HTTP_TOKEN_FILE: await consul.tokenFile('service-slow'),
    INSTANCE_ID: 'slow-registration-1',
    SERVICE_TAGS: 'blue,canary',
    FIXTURE_LABEL: 'registration',
  });
  running.push(proc);
  // Mostly the process's own start: 1.3-2.5 s alone, over 3 s while a CI run shared the machine.
  await waitFor(async () => (await passingIds(consul.httpAddr, 'slow')).includes('slow-registration-1'), {
    timeoutMs: 15_000,
    intervalMs: 50,
    what: 'the instance to pass in Consul',
  });

  const [entry] = (await healthOf(consul.httpAddr, 'slow')).filter((e) => e.Service.ID === 'slow-registration-1');
  expect(entry).toBeDefined();
  expect(entry!.Service.Address).toBe('127.0.0.1');
  expect(entry!.Service.Tags).toEqual(expect.arrayContaining(['fixture', 'blue', 'canary']));
  expect(entry!.Service.Meta).toMatchObject({ version: '0.0.1', team: 'platform-tests' });
  // The registered port is the one the instance really listens on.
  const res = await fetch(`http://127.0.0.1:${entry!.Service.Port}/health/ready`);
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

test('SIGTERM: the instance leaves the passing set before its server closes, and a request in flight completes', async () => {
  const proc = await startRegisteredService(entryPoints.slow, 'slow', consul.httpAddr, {
    INSTANCE_ID: 'slow-sigterm-1',
    DRAIN_MS: '1500',
    FIXTURE_LABEL: 'sigterm',
  });
  const [entry] = (await healthOf(consul.httpAddr, 'slow')).filter((e) => e.Service.ID === 'slow-sigterm-1');
  const base = `http://127.0.0.1:${entry!.Service.Port}`;

  const inFlight = fetch(`${base}/slow?ms=2500`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  proc.child.signal('SIGTERM');

  await waitFor(async () => !(await passingIds(consul.httpAddr, 'slow')).includes('slow-sigterm-1'), {
    timeoutMs: 1_000,
    intervalMs: 20,
    what: 'the instance to leave the passing set',
  });
  // Out of the passing set, yet still serving: callers routed here a moment ago still get answers.
  const stillServing = await fetch(`${base}/health/live`);
  expect(stillServing.status).toBe(200);

  const res = await inFlight;
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ slept: 2500 });

  const exit = await proc.child.exited;
  expect(exit.code).toBe(0);
  await expect(fetch(`${base}/health/live`)).rejects.toThrow();
  expect((await healthOf(consul.httpAddr, 'slow')).map((e) => e.Service.ID)).not.toContain('slow-sigterm-1');
});

test('a restarted Consul agent with an empty data dir gets every instance back without restarting them', async () => {
  const env = { REREGISTER_INTERVAL_MS: '500', FIXTURE_LABEL: 'restart' };
  const users = await startRegisteredService(entryPoints.slow, 'alpha', consul.httpAddr, { ...env, FIXTURE_SERVICE_NAME: 'alpha' });
  const orders = await startRegisteredService(entryPoints.slow, 'beta', consul.httpAddr, { ...env, FIXTURE_SERVICE_NAME: 'beta' });
  running.push(users, orders);
  const pids = [users.child.pid, orders.child.pid];

  await consul.restart({ wipe: true });
  expect(await passingIds(consul.httpAddr, 'alpha')).not.toContain(users.instanceId);

  await waitFor(
    async () => (await passingIds(consul.httpAddr, 'alpha')).includes(users.instanceId) && (await passingIds(consul.httpAddr, 'beta')).includes(orders.instanceId),
    { timeoutMs: 15_000, what: 'both instances to be registered and passing again' },
  );
  expect([users.child.pid, orders.child.pid]).toEqual(pids);
  expect(users.child.isRunning() && orders.child.isRunning()).toBe(true);
});

test('a registration that tolerates failed checks (failuresBeforeCritical, as the database role checks use) stays passing through a short failure and goes critical when it lasts', async () => {
  const [host, port] = consul.httpAddr.split(':');
  const client = createConsulClient({ host: host as string, port: Number(port) }, 2_000, consul.managementToken);
  let healthy = true;
  const target = createServer((_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const quiet = { info() {}, warn() {}, debug() {}, error() {} } as unknown as Logger;
  const register = (id: string, failuresBeforeCritical?: number) =>
    new ConsulRegistration(
      client,
      { id, name: 'tolerant', address: '127.0.0.1', port: (target.address() as AddressInfo).port, checkPath: '/', tags: [], meta: {}, check: { interval: '1s', timeout: '1s', deregisterCriticalAfter: '1m', failuresBeforeCritical } },
      quiet,
    ).register(true);
  try {
    await Promise.all([register('tolerant-1'), register('tolerant-3', 3)]);
    const status = async (id: string) => (await healthOf(consul.httpAddr, 'tolerant')).find((e) => e.Service.ID === id)?.Checks.find((c) => c.ServiceID === id)?.Status;
    await waitFor(async () => (await status('tolerant-1')) === 'passing' && (await status('tolerant-3')) === 'passing', { timeoutMs: 5_000, what: 'both passing' });
    // Consul counts failures from the first check it really ran (the status given at registration
    // is not one): let each run a few times first. The catalog does not show a run whose status stayed.
    await sleep(2_500);
    healthy = false;
    await waitFor(async () => (await status('tolerant-1')) === 'critical', { timeoutMs: 3_000, intervalMs: 50, what: 'the intolerant check to go critical' });
    expect(await status('tolerant-3')).toBe('passing');
    await waitFor(async () => (await status('tolerant-3')) === 'critical', { timeoutMs: 6_000, intervalMs: 100, what: 'the tolerant check to go critical once the failure lasts' });
  } finally {
    target.close();
  }
});
