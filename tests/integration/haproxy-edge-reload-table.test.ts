import { freePort, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { clientCount, tableSynced, workerPid } from '../harness/edge-table';
import { startEcho, startGatewayWithEdges, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import type { TestLb } from '../harness/load-balancer';
import type { ServiceProcess } from '../harness/service-process';

/**
 * A client's count survives a reload of the edge: the old HAProxy worker hands the client table to
 * the new one through the local peer (once its own first sync has ended, which the setup awaits). One edge that shares no table (its own only peer) and two
 * that share theirs, all fed by one gateway; the reload is the controller's own, for a new service.
 */
let consul: TestConsul;
let secrets: GatewaySecrets;
let gateway: RunningGateway;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['solo', 'pair'], { solo: 4, pair: 4 });
  running.push((await startEcho(consul.httpAddr, 'echo', '/echo')).proc);
  const peered = async (): Promise<Record<string, string>> => ({ EDGE_PEER_PORT: String(await freePort()), EDGE_LIMIT_AUTH_FAILURES: '0' });
  gateway = await startGatewayWithEdges(consul.httpAddr, '127.0.0.1:1', secrets, {}, [{ EDGE_LIMIT_AUTH_FAILURES: '0' }, await peered(), await peered()]);
  for (const edge of gateway.edges) await waitFor(async () => (await call(edge, '/echo/x', 'nobody')).status === 401, { timeoutMs: 10_000, what: 'every edge to route /echo' });
  // A worker hands its table over only once its own first sync has ended (HAProxy 2.6: 5-10 s after an edge's start).
  for (const edge of gateway.edges) await waitFor(() => tableSynced(edge), { timeoutMs: 20_000, intervalMs: 100, what: "every edge's first table sync to end" });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), gateway?.stop()]);
  await consul?.stop();
});

const call = async (edge: TestLb, path: string, client: string): Promise<{ status: number }> => httpRequest(edge.addr, path, { headers: { 'x-api-key': secrets.keys[client] ?? 'unknown-key' } });

/** Each edge's calls in turn, waiting after each until every edge in `edges` counts it (peers push at once, a loaded machine takes longer). */
async function callsCounted(edges: readonly TestLb[], client: string, calls: number, from = 0): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    statuses.push((await call(edges[i % edges.length] as TestLb, '/echo/c', client)).status);
    await waitFor(async () => (await Promise.all(edges.map((e) => clientCount(e, client)))).every((n) => n >= from + i + 1), { timeoutMs: 5_000, intervalMs: 10, what: `every edge to count ${client}'s call ${from + i + 1}` });
  }
  return statuses;
}

/** A new service is a new backend: the controllers reload their HAProxy (their normal path); resolves once every edge's worker was replaced. */
async function reloadEdgesThroughController(edges: readonly TestLb[], service: string): Promise<void> {
  const before = await Promise.all(edges.map(workerPid));
  running.push((await startEcho(consul.httpAddr, service, `/${service}`)).proc);
  await waitFor(async () => (await Promise.all(edges.map(workerPid))).every((pid, i) => pid !== '?' && pid !== before[i]), { timeoutMs: 20_000, intervalMs: 50, what: `every edge's worker to be replaced for ${service}` });
}

test('one edge: a client near its limit before a reload still gets its last answer, then 429, after it', async () => {
  const edge = gateway.edges[0] as TestLb;
  expect(await callsCounted([edge], 'solo', 3)).toEqual([200, 200, 200]);
  await reloadEdgesThroughController([edge], 'reloadone');
  // The new worker holds the old one's count (handed over when the old one stops).
  await waitFor(async () => (await clientCount(edge, 'solo')) >= 3, { timeoutMs: 3_000, intervalMs: 20, what: "the new worker to hold solo's 3 calls" });
  expect(await callsCounted([edge], 'solo', 2, 3)).toEqual([200, 429]);
});

test('two edges sharing their table: after both reload, a client near its limit gets its last answer, then 429 on either', async () => {
  const pairEdges = gateway.edges.slice(1);
  expect(await callsCounted(pairEdges, 'pair', 3)).toEqual([200, 200, 200]);
  await reloadEdgesThroughController(pairEdges, 'reloadtwo');
  for (const edge of pairEdges) await waitFor(async () => (await clientCount(edge, 'pair')) >= 3, { timeoutMs: 3_000, intervalMs: 20, what: "each new worker to hold pair's 3 calls" });
  expect(await callsCounted(pairEdges, 'pair', 3, 3)).toEqual([200, 429, 429]);
});
