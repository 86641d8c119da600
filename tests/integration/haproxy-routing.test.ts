import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_ROUTE_HEADER } from '@platform/service-kit';
import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { passingIds } from '../harness/consul-queries';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { httpRequest } from '../harness/http-client';
import { startLoad } from '../harness/load';
import { startFixture, type ServiceProcess } from '../harness/service-process';
import { describeServerState, serversState } from '@platform/haproxy/dist/runtime-api';

let consul: TestConsul;
let lb: TestLb;
const instances: ServiceProcess[] = [];

const SERVICE = 'echo';
const startInstance = async (label: string): Promise<ServiceProcess> => {
  const proc = await startFixture(consul.httpAddr, SERVICE, label, { DRAIN_MS: '300' });
  instances.push(proc);
  return proc;
};

const whoami = async (): Promise<string> => {
  const res = await httpRequest(lb.addr, '/whoami', { host: SERVICE });
  return (JSON.parse(res.body) as { instance: string }).instance;
};

beforeAll(async () => {
  consul = await startTestConsul();
  lb = await startTestLb(consul.httpAddr, 'internal');
});

afterAll(async () => {
  await Promise.all(instances.map((p) => p.child.stop(5_000)));
  await lb.stop();
  await consul.stop();
});

test('a request for an unknown service gets 404 problem+json from the load balancer, marked as its own answer', async () => {
  const res = await httpRequest(lb.addr, '/anything', { host: 'nosuchservice' });
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(res.headers[NO_ROUTE_HEADER]).toBe('1');
});

test('the edge answers its own errors as problem+json: a route without any instance is a 503 with Retry-After', async () => {
  // A route the gateway pushed for a service that has no backend (yet): the edge's own 503.
  const mapsDir = mkdtempSync(join(tmpdir(), 'edge-maps-'));
  writeFileSync(join(mapsDir, 'routes.map'), '/users users:public\n', { mode: 0o600 });
  const edge = await startTestLb(consul.httpAddr, 'edge', { EDGE_MAPS_DIR: mapsDir });
  try {
    const res = await httpRequest(edge.addr, '/users', { headers: { 'x-request-id': 'edge-own-503-0001' } });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body)).toMatchObject({ status: 503, title: 'Service Unavailable', requestId: 'edge-own-503-0001' });
  } finally {
    await edge.stop();
  }
});

test('scale 1 → 3: each new instance gets traffic within 1 s of passing; scale back to 1 under load with zero failures', async () => {
  await startInstance('a');
  await waitFor(async () => (await whoami()) === `${SERVICE}-a`, { timeoutMs: 5_000, what: 'the first instance to be routed' });

  for (const label of ['b', 'c']) {
    const proc = await startInstance(label);
    const passingAt = Date.now();
    const seen = new Set<string>();
    await waitFor(
      async () => {
        seen.add(await whoami());
        return seen.has(proc.instanceId);
      },
      { timeoutMs: 1_000, intervalMs: 5, what: `${proc.instanceId} to receive traffic within 1 s of passing` },
    );
    expect(Date.now() - passingAt).toBeLessThanOrEqual(1_000);
  }

  const load = startLoad({ addr: lb.addr, path: '/whoami', host: SERVICE, concurrency: 6 });
  await sleep(500);
  const [, b, c] = instances;
  b!.child.signal('SIGTERM');
  c!.child.signal('SIGTERM');
  await Promise.all([b!.child.exited, c!.child.exited]);
  await sleep(500);
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(100);
  expect(await passingIds(consul.httpAddr, SERVICE)).toEqual([`${SERVICE}-a`]);
});

test('kill -9 of one of three under GET load: zero failed requests, and HAProxy stops using it within 1.5 s', async () => {
  const victim = await startInstance('d');
  await startInstance('e');
  const load = startLoad({ addr: lb.addr, path: '/whoami', host: SERVICE, concurrency: 6 });
  await sleep(700);
  expect(load.result.byInstance.get(victim.instanceId) ?? 0).toBeGreaterThan(0);

  victim.child.signal('SIGKILL');
  const killedAt = Date.now();
  await waitFor(
    async () => {
      const servers = await serversState(lb.adminSocket);
      const slot = servers.find((s) => s.port === Number(victim.port));
      return slot !== undefined && describeServerState(slot) !== 'up';
    },
    { timeoutMs: 1_500, intervalMs: 20, what: 'HAProxy to take the killed instance out' },
  );
  const removedAfter = Date.now() - killedAt;
  await sleep(500);
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect(removedAfter).toBeLessThanOrEqual(1_500);
});

test('a change HAProxy could not take is applied later from the full state, without waiting for another Consul change', async () => {
  // Hide the runtime API: the controller's next pass fails half-way.
  const hidden = `${lb.adminSocket}.hidden`;
  renameSync(lb.adminSocket, hidden);
  let restored = false;
  try {
    const late = await startInstance('late');
    // The controller has seen the new instance and failed to apply it at least once.
    await waitFor(() => readFileSync(lb.logFile, 'utf8').includes('applying a Consul change to HAProxy failed'), { timeoutMs: 10_000, intervalMs: 100, what: 'a failed pass' });
    renameSync(hidden, lb.adminSocket);
    restored = true;
    const seen = new Set<string>();
    await waitFor(
      async () => {
        seen.add(await whoami());
        return seen.has(late.instanceId);
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the late instance to be routed once HAProxy answers again' },
    );
  } finally {
    if (!restored) renameSync(hidden, lb.adminSocket);
  }
});

test('a service that leaves the catalog loses its backend at once, not at the next change of another service', async () => {
  const config = (): string => readFileSync(join(lb.dir, 'haproxy.cfg'), 'utf8');
  const leaving = await startFixture(consul.httpAddr, 'leaving', 'l1', { DRAIN_MS: '300' });
  try {
    await waitFor(() => config().includes('backend svc_leaving'), { timeoutMs: 15_000, intervalMs: 100, what: 'a backend for the new service' });
  } finally {
    // A graceful stop deregisters the only instance: the service leaves Consul's catalog.
    await leaving.child.stop(5_000);
  }
  // Nothing else changes in the catalog after this: the removal alone must reload HAProxy without it.
  await waitFor(() => !config().includes('backend svc_leaving'), { timeoutMs: 15_000, intervalMs: 100, what: 'the backend of a service that left the catalog to go' });
});
