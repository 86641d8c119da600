import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { freePort, sleep, waitFor } from '@platform/process-runner';
import { runtimeCommand } from '@platform/haproxy/dist/runtime-api';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startEcho, startGatewayWithEdges, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import type { TestLb } from '../harness/load-balancer';
import type { ServiceProcess } from '../harness/service-process';

/**
 * The gateway as the edges' control plane: two edge HAProxy sharing their client table through
 * peers, both fed by one gateway. A key, a limit or a route changes in the running edges without a
 * reload; a client's limit holds across both edges.
 */
let consul: TestConsul;
let secrets: GatewaySecrets;
let gateway: RunningGateway;
let edgeA: TestLb;
let edgeB: TestLb;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['alice', 'capped'], { capped: 6 });
  running.push((await startEcho(consul.httpAddr, 'echo', '/echo')).proc);
  const [peerA, peerB] = [await freePort(), await freePort()];
  const peers = { EDGE_PEERS: `edge-a=127.0.0.1:${peerA},edge-b=127.0.0.1:${peerB}`, EDGE_LIMIT_AUTH_FAILURES: '0' };
  gateway = await startGatewayWithEdges(consul.httpAddr, '127.0.0.1:1', secrets, {}, [
    { ...peers, EDGE_PEER_NAME: 'edge-a' },
    { ...peers, EDGE_PEER_NAME: 'edge-b' },
  ]);
  [edgeA, edgeB] = gateway.edges as [TestLb, TestLb];
  for (const edge of gateway.edges) await waitFor(async () => (await call(edge, '/echo/x', 'alice')).status === 200, { timeoutMs: 10_000, what: 'both edges to route /echo' });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), gateway?.stop()]);
  await consul?.stop();
});

const call = async (edge: TestLb, path: string, client?: string, key?: string): Promise<{ status: number; host?: string }> => {
  const res = await httpRequest(edge.addr, path, { headers: client || key ? { 'x-api-key': key ?? secrets.keys[client ?? ''] ?? '' } : {} });
  return { status: res.status, host: res.status === 200 ? (JSON.parse(res.body) as { headers: { host: string } }).headers.host : undefined };
};

/** The edges' worker process ids: a reload replaces the worker, so an unchanged id means none happened. */
const workers = async (): Promise<string[]> => Promise.all(gateway.edges.map(async (e) => /^Pid: (\d+)$/m.exec(await runtimeCommand(e.adminSocket, 'show info'))?.[1] ?? '?'));

/** The worker ids once no reload is pending (the controller reloads at most once a second for new backends). */
async function settledWorkers(): Promise<string[]> {
  let last = await workers();
  for (;;) {
    await sleep(1_200);
    const now = await workers();
    if (now.join() === last.join()) return now;
    last = now;
  }
}

test('a new API key with its own limit, and a removed one, apply in the running edges within 1 s and without a reload', async () => {
  const before = await settledWorkers();
  const bobKey = randomBytes(32).toString('base64url');
  const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
  const changedAt = Date.now();
  writeFileSync(secrets.apiKeysFile, JSON.stringify({ keys: [{ clientId: 'bob', sha256: sha(bobKey), rateLimitMax: 2 }, { clientId: 'capped', sha256: sha(secrets.keys.capped ?? ''), rateLimitMax: 6 }] }));
  for (const edge of [edgeA, edgeB]) {
    await waitFor(async () => (await call(edge, '/echo/k', undefined, bobKey)).status !== 401 && (await call(edge, '/echo/k', 'alice')).status === 401, { timeoutMs: 1_000, intervalMs: 20, what: 'the key change in the edge' });
  }
  process.stdout.write(`key change applied in both edges ${Date.now() - changedAt} ms after the file was written\n`);
  // bob's own limit of 2 (already spent above on edge A and B) holds, once B's count reached A through peers.
  await sleep(100);
  expect((await call(edgeA, '/echo/k', undefined, bobKey)).status).toBe(429);
  expect(await workers()).toEqual(before);
});

test('a route a service starts declaring applies within 1 s of its instance passing, without a reload', async () => {
  // Its backend exists already (a first instance without a route), so the new route is a map change only.
  running.push((await startEcho(consul.httpAddr, 'late', '', 'public')).proc);
  const before = await settledWorkers();
  const declaring = await startEcho(consul.httpAddr, 'late', '/late', 'public');
  running.push(declaring.proc);
  const passingAt = Date.now();
  for (const edge of [edgeA, edgeB]) await waitFor(async () => (await call(edge, '/late/1')).host === 'late', { timeoutMs: 1_000, intervalMs: 20, what: 'the new route in the edge' });
  process.stdout.write(`route applied in both edges ${Date.now() - passingAt} ms after its instance passed\n`);
  expect(await workers()).toEqual(before);
});

test('a client limited to 6 gets 6 answers, then 429, across two edges sharing peers (not 12)', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 12; i += 1) {
    statuses.push((await call(i % 2 === 0 ? edgeA : edgeB, '/echo/capped', 'capped')).status);
    // Peers push each update at once; a short pause lets it land before the other edge counts.
    await sleep(50);
  }
  expect(statuses).toEqual([...Array(6).fill(200), ...Array(6).fill(429)]);
});
