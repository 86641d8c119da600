import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { httpRequest } from '../harness/http-client';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startLoad } from '../harness/load';
import { startFixture, type ServiceProcess } from '../harness/service-process';

let consul: TestConsul;
let lb: TestLb;
const instances: ServiceProcess[] = [];
const counterFile = join(mkdtempSync(join(tmpdir(), 'counter-')), 'received.log');

const startInstance = async (service: string, label: string, extra: Record<string, string> = {}): Promise<ServiceProcess> => {
  const proc = await startFixture(consul.httpAddr, service, label, { FIXTURE_COUNTER_FILE: counterFile, DRAIN_MS: '200', ...extra });
  instances.push(proc);
  return proc;
};

/** Which instances received the request with this id, from the service side's own record. */
const receivedBy = (requestId: string): string[] =>
  readFileSync(counterFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${requestId} `))
    .map((line) => line.split(' ')[1] ?? '');

beforeAll(async () => {
  writeFileSync(counterFile, '');
  consul = await startTestConsul();
  lb = await startTestLb(consul.httpAddr, 'internal');
});

afterAll(async () => {
  await Promise.all(instances.map((p) => p.child.stop(5_000)));
  await lb.stop();
  await consul.stop();
});

const routedTo = (service: string, id: string) =>
  waitFor(async () => JSON.parse((await httpRequest(lb.addr, '/whoami', { host: service })).body).instance === id, { timeoutMs: 5_000, what: `${id} to be routed` });

test('a POST is never sent twice when its instance dies mid-request; a GET is retried elsewhere', async () => {
  await startInstance('work', 'a');
  await startInstance('work', 'b');
  await routedTo('work', 'work-a').catch(() => routedTo('work', 'work-b'));

  const postId = 'post-dies-mid-request-1';
  const post = httpRequest(lb.addr, '/work?holdMs=2000', { method: 'POST', host: 'work', headers: { 'x-request-id': postId }, body: '{}' });
  await waitFor(() => receivedBy(postId).length === 1, { timeoutMs: 2_000, intervalMs: 10, what: 'the POST to reach an instance' });
  const postVictim = instances.find((p) => p.instanceId === receivedBy(postId)[0]);
  postVictim!.child.signal('SIGKILL');
  // HAProxy answers 502, or (on a reused client connection) closes it without an answer so the
  // client decides; either way the request is not sent again.
  const outcome = await post.then(
    (answer) => answer.status,
    () => 'closed without answer',
  );
  expect([502, 'closed without answer']).toContain(outcome);
  await sleep(300);
  expect(receivedBy(postId)).toEqual([postVictim!.instanceId]);

  const survivor = instances.find((p) => p.instanceId !== postVictim!.instanceId && p.instanceId.startsWith('work-'));
  const replacement = await startInstance('work', 'c');
  await sleep(1_200);
  const getId = 'get-dies-mid-request-1';
  const get = httpRequest(lb.addr, '/slow?ms=1500', { host: 'work', headers: { 'x-request-id': getId } });
  await waitFor(() => receivedBy(getId).length === 1, { timeoutMs: 2_000, intervalMs: 10, what: 'the GET to reach an instance' });
  const getVictim = instances.find((p) => p.instanceId === receivedBy(getId)[0]);
  getVictim!.child.signal('SIGKILL');
  const getAnswer = await get;
  expect(getAnswer.status).toBe(200);
  expect(receivedBy(getId)).toHaveLength(2);
  expect([survivor!.instanceId, replacement.instanceId]).toContain(receivedBy(getId)[1]);
});

test('rolling restart of every instance under constant load: zero failed requests', async () => {
  const old = [await startInstance('roll', '1'), await startInstance('roll', '2'), await startInstance('roll', '3')];
  await routedTo('roll', 'roll-1').catch(() => undefined);
  const load = startLoad({ addr: lb.addr, path: '/whoami', host: 'roll', concurrency: 6 });
  for (const [i, proc] of old.entries()) {
    await startInstance('roll', `new-${i + 1}`);
    proc.child.signal('SIGTERM');
    expect((await proc.child.exited).code).toBe(0);
  }
  await sleep(500);
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(200);
  for (const id of ['roll-new-1', 'roll-new-2', 'roll-new-3']) expect(result.byInstance.get(id) ?? 0).toBeGreaterThan(0);
});

test('a shutting-down instance waits for the load balancers that route it to confirm the drain, not for the database one', async () => {
  // The database balancer never routes an HTTP instance: waiting for it would sit out the whole confirmation timeout.
  const dbLb = await startTestLb(consul.httpAddr, 'db');
  try {
    const proc = await startInstance('hand', 'shake');
    await routedTo('hand', 'hand-shake');
    proc.child.signal('SIGTERM');
    expect((await proc.child.exited).code).toBe(0);
    const handshake = proc
      .output()
      .split('\n')
      .filter((l) => l.includes('confirmed the drain'));
    expect(handshake).toHaveLength(1);
    expect(JSON.parse(handshake[0]!)).toMatchObject({ message: 'every load balancer confirmed the drain', confirmed: [lb.controllerId] });
  } finally {
    await dbLb.stop();
  }
});

test('Consul unreachable for 10 s: HAProxy keeps routing to the last healthy set, and the controller recovers by itself', async () => {
  await startInstance('steady', '1');
  await startInstance('steady', '2');
  // Both in HAProxy before Consul goes: the set kept through the outage is the one routed when it began.
  await routedTo('steady', 'steady-1');
  await routedTo('steady', 'steady-2');
  const load = startLoad({ addr: lb.addr, path: '/whoami', host: 'steady', concurrency: 4 });
  await consul.agent.stop();
  await sleep(10_000);
  const during = await load.stop();
  expect(during.failures).toEqual([]);
  expect(during.byInstance.get('steady-1')).toBeGreaterThan(0);
  expect(during.byInstance.get('steady-2')).toBeGreaterThan(0);

  await consul.restart();
  // Proof of recovery: a service that appears after the outage is routed without any restart.
  const late = await startInstance('late', '1');
  await routedTo('late', late.instanceId);
});
