import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, sleep, waitFor } from '@platform/process-runner';
import { registerLivenessCheck, type LivenessCheck } from '@platform/postgres/dist/patroni/liveness-check';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { callWithToken } from '../harness/consul-queries';

/**
 * The check every Patroni session carries (liveness-check.ts), against a real Consul: Patroni makes
 * its session before its REST API listens, so a starting member's check must pass without an
 * answer; once the member runs, the session must last as long as the member answers. A starting
 * grace of 3 s here (60 s in the platform) keeps the file short.
 */
const GRACE_S = 3;
let consul: TestConsul;
let server: Server | undefined;

const call = (path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> => callWithToken(consul.httpAddr, path, consul.managementToken, init);

async function createSession(checkId: string): Promise<string> {
  // As Patroni makes it: released (not deleted) locks, the node's gossip and the member's own check.
  const res = await call('/v1/session/create', { method: 'PUT', body: { Name: 'patroni-test', Checks: ['serfHealth', checkId], Behavior: 'release', TTL: '20s' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`Consul refused the session (${res.status}): ${text}`);
  return (JSON.parse(text) as { ID: string }).ID;
}

async function sessionExists(id: string): Promise<boolean> {
  return ((await (await call(`/v1/session/info/${id}`)).json()) as unknown[] | null)?.length === 1;
}

async function checkStatus(id: string): Promise<string | undefined> {
  return ((await (await call('/v1/agent/checks')).json()) as Record<string, { Status: string }>)[id]?.Status;
}

/** A member's REST API as far as the check sees it: /liveness answers 200. */
async function answeringMember(): Promise<string> {
  server = createServer((req, res) => res.writeHead(req.url === '/liveness' ? 200 : 404).end());
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const memberCheck = (member: string, restUrl: string): LivenessCheck => ({ consulAddr: consul.httpAddr, token: consul.managementToken, scope: 'test', member, restUrl, startingGraceS: GRACE_S });

beforeAll(async () => {
  consul = await startTestConsul();
}, 60_000);

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

afterAll(async () => {
  await consul?.stop();
});

test("a starting member's check passes before its REST API listens, so Patroni gets its session; a member that never answers loses it after the grace", async () => {
  const check = memberCheck('never-up', `http://127.0.0.1:${await freePort()}`);
  const id = await registerLivenessCheck(check, 'starting');
  expect(await checkStatus(id)).toBe('passing');
  const session = await createSession(id);
  expect(await sessionExists(session)).toBe(true);
  await waitFor(async () => !(await sessionExists(session)), { timeoutMs: (GRACE_S + 15) * 1_000, intervalMs: 250, what: 'the session of a member that never answered to end' });
  expect(await checkStatus(id)).toBe('critical');
}, 40_000);

test('a running member keeps its session past the starting grace (its lock is not lost a while after it started), and loses it once it stops answering', async () => {
  const check = memberCheck('up', await answeringMember());
  const id = await registerLivenessCheck(check, 'starting');
  const session = await createSession(id);
  await registerLivenessCheck(check, 'running');
  // Nothing to wait for but time: the starting phase's clock must not go off after it ended.
  await sleep((GRACE_S + 4) * 1_000);
  expect(await checkStatus(id)).toBe('passing');
  expect(await sessionExists(session)).toBe(true);

  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  await waitFor(async () => !(await sessionExists(session)), { timeoutMs: 15_000, intervalMs: 250, what: 'the session of a member that stopped answering to end' });
  expect(await checkStatus(id)).toBe('critical');
}, 40_000);
