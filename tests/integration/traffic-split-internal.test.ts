import { readFileSync } from 'node:fs';
import { waitFor } from '@platform/process-runner';
import { bucketOf } from '@platform/haproxy/dist/split-plan';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { httpRequest } from '../harness/http-client';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startLoad } from '../harness/load';
import { startFixture, type ServiceProcess } from '../harness/service-process';
import { CANDIDATE_RELEASE, STABLE_RELEASE, appliedSplits, controllerLog, controllerMetric, deleteRollout, inParallel, putRollout, putRolloutText, rollout, splitMap } from '../harness/traffic-split';

/**
 * Traffic splitting on the internal load balancer, with real instances of one service on two
 * releases (two stable, one candidate) and rollout records written to Consul as a deploy would.
 * The caller's id is the X-Client-Id a calling service forwards.
 */
let consul: TestConsul;
let lb: TestLb;
const instances: ServiceProcess[] = [];
const SERVICE = 'shop';

const call = async (clientId?: string, headers: Record<string, string> = {}): Promise<{ status: number; release?: string }> => {
  const res = await httpRequest(lb.addr, '/whoami', { host: SERVICE, headers: { ...(clientId ? { 'x-client-id': clientId } : {}), ...headers } });
  return { status: res.status, release: res.status === 200 ? (JSON.parse(res.body) as { release: string }).release : undefined };
};
const reloads = (): Promise<number> => controllerMetric(consul.httpAddr, lb, 'lb_reloads_total');
/** Applied: the running HAProxy's split map names the service with this weight first. */
const weightInMap = async (): Promise<string | undefined> => (await splitMap(lb))[SERVICE]?.split(':')[0];

beforeAll(async () => {
  consul = await startTestConsul();
  lb = await startTestLb(consul.httpAddr, 'internal');
  instances.push(
    ...(await Promise.all([
      startFixture(consul.httpAddr, SERVICE, 'a', { FIXTURE_RELEASE: STABLE_RELEASE, DRAIN_MS: '200' }),
      startFixture(consul.httpAddr, SERVICE, 'b', { FIXTURE_RELEASE: STABLE_RELEASE, DRAIN_MS: '200' }),
      startFixture(consul.httpAddr, SERVICE, 'c', { FIXTURE_RELEASE: CANDIDATE_RELEASE, DRAIN_MS: '200' }),
    ])),
  );
  await waitFor(async () => (await call()).status === 200, { timeoutMs: 10_000, what: 'the service to be routed' });
});

afterAll(async () => {
  await Promise.all(instances.map((p) => p.child.stop(5_000)));
  await lb?.stop();
  await consul?.stop();
});

test('at 20 %, about a fifth of 2,000 distinct client ids reach the candidate, each on the side its bucket names', async () => {
  await putRollout(consul.httpAddr, rollout(SERVICE, 20));
  await waitFor(async () => (await weightInMap()) === '20', { timeoutMs: 5_000, what: 'the 20 % split to be applied' });
  const ids = Array.from({ length: 2_000 }, (_, i) => `client-${i}`);
  const answers = await inParallel(ids, 16, (id) => call(id));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  const candidates = answers.filter((a) => a.release === CANDIDATE_RELEASE).length;
  console.log(`internal LB, 20 % record: ${candidates} of 2,000 client ids (${((candidates / 2_000) * 100).toFixed(1)} %) reached the candidate`);
  expect(candidates / 2_000).toBeGreaterThan(0.17);
  expect(candidates / 2_000).toBeLessThan(0.23);
  // HAProxy's crc32,mod(100) and the controller's bucketOf are one function.
  ids.forEach((id, i) => expect(answers[i]?.release).toBe(bucketOf(id) < 20 ? CANDIDATE_RELEASE : STABLE_RELEASE));
  expect(await controllerMetric(consul.httpAddr, lb, 'lb_split_weight', `service="${SERVICE}"`)).toBe(20);
  // What a deploy can wait on: every controller's /lb/state names the split it applies.
  expect(await appliedSplits(consul.httpAddr, lb)).toEqual([expect.objectContaining({ service: SERVICE, candidate: CANDIDATE_RELEASE, weight: 20, effective: expect.objectContaining({ normal: 20 }) })]);
  expect(controllerLog(lb, 'traffic split applied').some((l) => l['service.target'] === SERVICE && l.candidate === CANDIDATE_RELEASE && l.weight === 20 && typeof l.rolloutIndex === 'string')).toBe(true);
});

test('the same client id reaches the same side on 200 calls, and the log line names the release that served', async () => {
  const onCandidate = Array.from({ length: 500 }, (_, i) => `sticky-${i}`).find((id) => bucketOf(id) < 20) ?? '';
  const onStable = Array.from({ length: 500 }, (_, i) => `sticky-${i}`).find((id) => bucketOf(id) >= 20) ?? '';
  for (const [id, release] of [
    [onCandidate, CANDIDATE_RELEASE],
    [onStable, STABLE_RELEASE],
  ] as const) {
    const seen = new Set((await inParallel(Array.from({ length: 200 }, () => id), 8, () => call(id))).map((a) => a.release));
    expect([...seen]).toEqual([release]);
  }
  // HAProxy's log reaches the file a moment after the answer.
  await waitFor(() => readFileSync(lb.haproxyLog, 'utf8').includes(`{${STABLE_RELEASE}}`), { timeoutMs: 5_000, what: "the load balancer's log lines" });
  const log = readFileSync(lb.haproxyLog, 'utf8');
  expect(log).toContain(`cnd_${SERVICE}/`);
  expect(log).toContain(`{${CANDIDATE_RELEASE}}`);
  expect(log).toContain(`{${STABLE_RELEASE}}`);
});

test('X-Canary: always reaches the candidate at weight 0, never the stable side at 100', async () => {
  await putRollout(consul.httpAddr, rollout(SERVICE, 0));
  await waitFor(async () => (await weightInMap()) === '0', { timeoutMs: 5_000, what: 'weight 0 to be applied' });
  const always = await inParallel(Array.from({ length: 50 }, (_, i) => `any-${i}`), 8, (id) => call(id, { 'x-canary': 'always' }));
  expect(new Set(always.map((a) => a.release))).toEqual(new Set([CANDIDATE_RELEASE]));
  expect(new Set((await inParallel(Array.from({ length: 50 }, (_, i) => `any-${i}`), 8, (id) => call(id))).map((a) => a.release))).toEqual(new Set([STABLE_RELEASE]));

  await putRollout(consul.httpAddr, rollout(SERVICE, 100));
  await waitFor(async () => (await weightInMap()) === '100', { timeoutMs: 5_000, what: 'weight 100 to be applied' });
  const never = await inParallel(Array.from({ length: 50 }, (_, i) => `any-${i}`), 8, (id) => call(id, { 'x-canary': 'never' }));
  expect(new Set(never.map((a) => a.release))).toEqual(new Set([STABLE_RELEASE]));
  expect(new Set((await inParallel(Array.from({ length: 50 }, (_, i) => `any-${i}`), 8, (id) => call(id))).map((a) => a.release))).toEqual(new Set([CANDIDATE_RELEASE]));
});

test('a weight change and the end of the record apply within 1 s, without reloading HAProxy', async () => {
  await putRollout(consul.httpAddr, rollout(SERVICE, 20));
  await waitFor(async () => (await weightInMap()) === '20', { timeoutMs: 5_000, what: 'weight 20' });
  const before = await reloads();
  const mover = Array.from({ length: 500 }, (_, i) => `mover-${i}`).find((id) => bucketOf(id) >= 20 && bucketOf(id) < 50) ?? '';
  expect((await call(mover)).release).toBe(STABLE_RELEASE);

  let written = Date.now();
  await putRollout(consul.httpAddr, rollout(SERVICE, 50));
  await waitFor(async () => (await call(mover)).release === CANDIDATE_RELEASE, { timeoutMs: 1_000, intervalMs: 10, what: 'the caller in bucket 20-49 to reach the candidate within 1 s of the weight change' });
  const raised = Date.now() - written;
  // A rising weight only adds callers: those already on the candidate stay there.
  const stayers = Array.from({ length: 200 }, (_, i) => `stayer-${i}`).filter((id) => bucketOf(id) < 20);
  expect(new Set((await inParallel(stayers, 8, (id) => call(id))).map((a) => a.release))).toEqual(new Set([CANDIDATE_RELEASE]));

  written = Date.now();
  await deleteRollout(consul.httpAddr, SERVICE);
  await waitFor(async () => (await weightInMap()) === undefined, { timeoutMs: 1_000, intervalMs: 10, what: 'the split to end within 1 s of the record going' });
  const ended = Date.now() - written;
  console.log(`internal LB: weight 20 → 50 applied in ${raised} ms, record deleted → split off in ${ended} ms`);
  // Without a record every instance is equal: the candidate-bucket caller meets stable instances too.
  const releases = new Set((await inParallel(Array.from({ length: 30 }, () => mover), 3, () => call(mover))).map((a) => a.release));
  expect(releases).toEqual(new Set([STABLE_RELEASE, CANDIDATE_RELEASE]));
  expect(await reloads()).toBe(before);
  expect(await controllerMetric(consul.httpAddr, lb, 'lb_split_weight', `service="${SERVICE}"`)).toBe(0);
  expect(controllerLog(lb, 'traffic split removed').some((l) => l['service.target'] === SERVICE)).toBe(true);
});

test('hostile records change nothing in HAProxy and are each logged', async () => {
  const config = readFileSync(`${lb.dir}/haproxy.cfg`, 'utf8');
  const before = await reloads();
  const good = rollout(SERVICE, 30);
  const hostile: [string, string][] = [
    [`platform/rollouts/${SERVICE}`, '{"service":'],
    [`platform/rollouts/${SERVICE}`, JSON.stringify({ ...good, weight: 1000 })],
    [`platform/rollouts/${SERVICE}`, JSON.stringify({ ...good, candidate: `${CANDIDATE_RELEASE}\nset server x` })],
    [`platform/rollouts/${SERVICE}`, JSON.stringify({ ...good, candidate: '1.1.0 bbbbbbb' })],
    ['platform/rollouts/evil', JSON.stringify({ ...good, service: 'shop\n  use_backend no_route' })],
    ['platform/rollouts/evil', JSON.stringify({ ...good, service: 'shop }' })],
    ['platform/rollouts/evil', JSON.stringify(good)],
  ];
  for (const [key, text] of hostile) {
    const logged = controllerLog(lb, 'rollout record ignored').length;
    await putRolloutText(consul.httpAddr, key, text);
    await waitFor(async () => controllerLog(lb, 'rollout record ignored').length > logged, { timeoutMs: 5_000, what: `the record ${JSON.stringify(text).slice(0, 60)} to be logged as ignored` });
    if (key.endsWith('/evil')) await deleteRollout(consul.httpAddr, 'evil');
  }
  await deleteRollout(consul.httpAddr, SERVICE);
  expect(await splitMap(lb)).toEqual({});
  expect(readFileSync(`${lb.dir}/haproxy.cfg`, 'utf8')).toBe(config);
  expect(await reloads()).toBe(before);
  const reasons = controllerLog(lb, 'rollout record ignored').map((l) => l.reason);
  expect(reasons).toEqual(expect.arrayContaining(['the rollout record is not JSON', 'the rollout record weight is not an integer 0-100', 'the rollout record has no valid candidate release', 'the rollout record has no valid service', 'the key does not name the service the record is for']));
  expect((await call('client-1')).status).toBe(200);
});

test('a side with no routable instance falls back to the other, with no failed request', async () => {
  // A candidate release no instance runs: everyone stays on the stable side.
  await putRollout(consul.httpAddr, rollout(SERVICE, 100, '2.0.0-ccccccc'));
  await waitFor(async () => (await splitMap(lb))[SERVICE]?.startsWith('0:0:0:2.0.0-ccccccc') === true, { timeoutMs: 5_000, what: 'the split to fall back to stable' });
  const answers = await inParallel(Array.from({ length: 100 }, (_, i) => i), 8, (i) => call(`fb-${i}`, i % 2 ? { 'x-canary': 'always' } : {}));
  // Stable is every instance not of the candidate release: here all three.
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);

  // The candidate takes everyone, then stops under load: its callers move to the stable side.
  await putRollout(consul.httpAddr, rollout(SERVICE, 100));
  await waitFor(async () => (await weightInMap()) === '100', { timeoutMs: 5_000, what: 'weight 100' });
  const load = startLoad({ addr: lb.addr, path: '/whoami', host: SERVICE, headers: { 'x-client-id': 'fallback-client' }, concurrency: 4, maxMs: 20_000 });
  await waitFor(async () => load.result.ok > 50, { timeoutMs: 5_000, what: 'load to run' });
  const candidate = instances[2];
  await candidate?.child.stop(10_000);
  await waitFor(async () => (await weightInMap()) === '0', { timeoutMs: 5_000, what: 'the effective weight to drop to 0' });
  const after = load.result.ok;
  await waitFor(async () => load.result.ok > after + 50, { timeoutMs: 5_000, what: 'load to go on' });
  const result = await load.stop();
  if (result.failures.length > 0) {
    // Seen once in a full CI run (98 × 503): what HAProxy, the controller and the instance saw then.
    const around = (text: string, pattern: RegExp): string => text.split('\n').filter((l) => pattern.test(l)).slice(-15).join('\n');
    console.log(
      [
        `fallback: ${result.failures.length} failures from ${new Date(result.failures[0]!.at).toISOString()} to ${new Date(result.failures.at(-1)!.at).toISOString()}`,
        around(readFileSync(lb.haproxyLog, 'utf8'), / 50[234] /),
        around(readFileSync(lb.logFile, 'utf8'), /traffic split|server change|drain/),
        around(candidate?.output() ?? '', /drain|shutdown|confirm/),
      ].join('\n'),
    );
  }
  expect(result.failures).toEqual([]);
  expect(result.byInstance.get(`${SERVICE}-c`)).toBeGreaterThan(0);
  expect((await call('fallback-client')).release).toBe(STABLE_RELEASE);
});

test('a promotion under load: at 100 the stable instances stop, then the record ends, with no failed request', async () => {
  const promoted = await startFixture(consul.httpAddr, SERVICE, 'd', { FIXTURE_RELEASE: CANDIDATE_RELEASE, DRAIN_MS: '200' });
  instances.push(promoted);
  await putRollout(consul.httpAddr, rollout(SERVICE, 100));
  await waitFor(async () => (await splitMap(lb))[SERVICE]?.startsWith('100:100:0:') === true, { timeoutMs: 5_000, what: 'weight 100 with both sides routable' });
  const load = startLoad({ addr: lb.addr, path: '/whoami', host: SERVICE, concurrency: 4, maxMs: 20_000 });
  await waitFor(async () => load.result.ok > 50, { timeoutMs: 5_000, what: 'load to run' });
  await Promise.all(instances.slice(0, 2).map((p) => p.child.stop(10_000)));
  await deleteRollout(consul.httpAddr, SERVICE);
  await waitFor(async () => (await weightInMap()) === undefined, { timeoutMs: 5_000, what: 'the split to end' });
  const after = load.result.ok;
  await waitFor(async () => load.result.ok > after + 100, { timeoutMs: 5_000, what: 'load to go on after the record ended' });
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect((await call('anyone')).release).toBe(CANDIDATE_RELEASE);
});
