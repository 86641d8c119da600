import { readFileSync } from 'node:fs';
import { waitFor } from '@platform/process-runner';
import { bucketOf } from '@platform/haproxy/dist/split-plan';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { signJwt, startEcho, startGateway, validClaims, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import { LOAD_TEST_EDGE, startTestLb, type TestLb } from '../harness/load-balancer';
import type { ServiceProcess } from '../harness/service-process';
import { CANDIDATE_RELEASE, STABLE_RELEASE, controllerMetric, deleteRollout, inParallel, putRollout, rollout, splitMap } from '../harness/traffic-split';

/**
 * Traffic splitting at the edge (the public entry, routing straight to the service's backends):
 * callers identified by API key or JWT keep the side their client id's bucket names, anonymous
 * browsers the side of the bucket cookie the edge gives them once.
 */
let consul: TestConsul;
let internal: TestLb;
let gateway: RunningGateway;
let edge: TestLb;
let secrets: GatewaySecrets;
const running: ServiceProcess[] = [];
const SERVICE = 'shop';

interface Answer {
  status: number;
  release?: string;
  setCookie?: string;
}

const call = async (headers: Record<string, string> = {}, requestId?: string): Promise<Answer> => {
  const res = await httpRequest(edge.addr, '/shop/whoami', { headers: { ...headers, ...(requestId ? { 'x-request-id': requestId } : {}) } });
  const setCookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('platform_bucket='));
  return { status: res.status, release: res.status === 200 ? (JSON.parse(res.body) as { release: string }).release : undefined, setCookie };
};
const bearer = (sub: string): Record<string, string> => ({ authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims(sub))}` });
const weightInMap = async (): Promise<string | undefined> => (await splitMap(edge))[SERVICE]?.split(':')[0];
const applied = (weight: number): Promise<unknown> => waitFor(async () => (await weightInMap()) === String(weight), { timeoutMs: 5_000, what: `weight ${weight} at the edge` });

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['alice']);
  internal = await startTestLb(consul.httpAddr, 'internal');
  gateway = await startGateway(consul.httpAddr, internal.addr, secrets, { GATEWAY_RATE_LIMIT_MAX: '100000' }, LOAD_TEST_EDGE);
  edge = gateway.edge;
  const instances = await Promise.all(
    [STABLE_RELEASE, STABLE_RELEASE, CANDIDATE_RELEASE].map((release) => startEcho(consul.httpAddr, SERVICE, '/shop', 'public', { FIXTURE_RELEASE: release })),
  );
  running.push(...instances.map((i) => i.proc));
  await waitFor(async () => (await call()).status === 200, { timeoutMs: 10_000, what: 'the edge to route /shop' });
  await putRollout(consul.httpAddr, rollout(SERVICE, 20));
  await applied(20);
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), gateway?.stop()]);
  await internal?.stop();
  await consul?.stop();
});

test('at 20 %, about a fifth of 2,000 distinct JWT subjects reach the candidate, each on the side its bucket names', async () => {
  const subs = Array.from({ length: 2_000 }, (_, i) => `subject-${i}`);
  const answers = await inParallel(subs, 16, (sub) => call(bearer(sub)));
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  const candidates = answers.filter((a) => a.release === CANDIDATE_RELEASE).length;
  console.log(`edge, 20 % record: ${candidates} of 2,000 client ids (${((candidates / 2_000) * 100).toFixed(1)} %) reached the candidate`);
  expect(candidates / 2_000).toBeGreaterThan(0.17);
  expect(candidates / 2_000).toBeLessThan(0.23);
  subs.forEach((sub, i) => expect(answers[i]?.release).toBe(bucketOf(sub) < 20 ? CANDIDATE_RELEASE : STABLE_RELEASE));
  // Identified callers get no cookie: their id is their bucket.
  expect(answers.some((a) => a.setCookie)).toBe(false);
});

test('an API key client keeps its side over 200 calls', async () => {
  const expected = bucketOf('alice') < 20 ? CANDIDATE_RELEASE : STABLE_RELEASE;
  const answers = await inParallel(Array.from({ length: 200 }, (_, i) => i), 8, () => call({ 'x-api-key': secrets.keys.alice ?? '' }));
  expect(new Set(answers.map((a) => a.release))).toEqual(new Set([expected]));
});

test('an anonymous browser gets its bucket in a cookie once (HttpOnly, SameSite=Lax) and keeps its side with it over 200 calls', async () => {
  const first = await call();
  expect(first.setCookie).toMatch(/^platform_bucket=\d{1,2}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  const cookie = (first.setCookie ?? '').split(';')[0] ?? '';
  const bucket = Number(cookie.split('=')[1]);
  const expected = bucket < 20 ? CANDIDATE_RELEASE : STABLE_RELEASE;
  expect(first.release).toBe(expected);
  const answers = await inParallel(Array.from({ length: 200 }, (_, i) => i), 8, () => call({ cookie }));
  expect(new Set(answers.map((a) => a.release))).toEqual(new Set([expected]));
  expect(answers.some((a) => a.setCookie)).toBe(false);
  // The cookie is the bucket: below the weight is the candidate; a value that is not a bucket gets a new one.
  expect((await call({ cookie: 'platform_bucket=5' })).release).toBe(CANDIDATE_RELEASE);
  expect((await call({ cookie: 'platform_bucket=50' })).release).toBe(STABLE_RELEASE);
  expect((await call({ cookie: 'platform_bucket=100' })).setCookie).toBeDefined();
});

test('X-Canary: always reaches the candidate at weight 0 and never the stable side at 100; the edge log line names the side and release', async () => {
  await putRollout(consul.httpAddr, rollout(SERVICE, 0));
  await applied(0);
  const always = await inParallel(Array.from({ length: 40 }, (_, i) => `tester-${i}`), 8, (sub) => call({ ...bearer(sub), 'x-canary': 'always' }));
  expect(new Set(always.map((a) => a.release))).toEqual(new Set([CANDIDATE_RELEASE]));
  expect((await call({ 'x-canary': 'always' }, 'split-log-candidate-1')).release).toBe(CANDIDATE_RELEASE);

  await putRollout(consul.httpAddr, rollout(SERVICE, 100));
  await applied(100);
  const never = await inParallel(Array.from({ length: 40 }, (_, i) => `tester-${i}`), 8, (sub) => call({ ...bearer(sub), 'x-canary': 'never' }));
  expect(new Set(never.map((a) => a.release))).toEqual(new Set([STABLE_RELEASE]));
  expect((await call({ 'x-canary': 'never' }, 'split-log-stable-1')).release).toBe(STABLE_RELEASE);

  // HAProxy's log reaches the file a moment after the answer.
  const line = (rid: string): Record<string, unknown> | undefined =>
    readFileSync(edge.haproxyLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['http.request.id'] === rid);
  await waitFor(() => line('split-log-stable-1') !== undefined, { timeoutMs: 5_000, what: "the edge's log line" });
  expect(line('split-log-candidate-1')).toMatchObject({ 'split.side': 'candidate', 'service.release': CANDIDATE_RELEASE, 'service.target': SERVICE });
  expect(line('split-log-stable-1')).toMatchObject({ 'split.side': 'stable', 'service.release': STABLE_RELEASE });
});

test('at the edge a weight change and the end of the record apply within 1 s, without a reload', async () => {
  await putRollout(consul.httpAddr, rollout(SERVICE, 20));
  await applied(20);
  const reloads = await controllerMetric(consul.httpAddr, edge, 'lb_reloads_total');
  const mover = Array.from({ length: 500 }, (_, i) => `mover-${i}`).find((sub) => bucketOf(sub) >= 20 && bucketOf(sub) < 60) ?? '';
  expect((await call(bearer(mover))).release).toBe(STABLE_RELEASE);

  let written = Date.now();
  await putRollout(consul.httpAddr, rollout(SERVICE, 60));
  await waitFor(async () => (await call(bearer(mover))).release === CANDIDATE_RELEASE, { timeoutMs: 1_000, intervalMs: 10, what: 'the caller to reach the candidate within 1 s of the weight change' });
  const raised = Date.now() - written;
  expect(await controllerMetric(consul.httpAddr, edge, 'lb_split_weight', `service="${SERVICE}"`)).toBe(60);

  written = Date.now();
  await deleteRollout(consul.httpAddr, SERVICE);
  await waitFor(async () => (await weightInMap()) === undefined, { timeoutMs: 1_000, intervalMs: 10, what: 'the split to end within 1 s' });
  console.log(`edge: weight 20 → 60 applied in ${raised} ms, record deleted → split off in ${Date.now() - written} ms`);
  const releases = new Set((await inParallel(Array.from({ length: 30 }, (_, i) => i), 3, () => call(bearer(mover)))).map((a) => a.release));
  expect(releases).toEqual(new Set([STABLE_RELEASE, CANDIDATE_RELEASE]));
  expect((await call()).setCookie).toBeUndefined();
  expect(await controllerMetric(consul.httpAddr, edge, 'lb_reloads_total')).toBe(reloads);
});
