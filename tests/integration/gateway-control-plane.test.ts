import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, sleep, waitFor } from '@platform/process-runner';
import { runtimeCommand } from '@platform/haproxy/dist/runtime-api';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { clientCount, tableSynced, workerPid } from '../harness/edge-table';
import { JWT_ISSUER, signJwt, startEcho, startGatewayWithEdges, validClaims, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import type { ServiceProcess } from '../harness/service-process';

/**
 * The gateway as the edges' control plane: two edge HAProxy that find each other in Consul and
 * share their client table through peers, both fed by one gateway. A key, a limit or a route
 * changes in the running edges without a reload; a client's limit holds across both edges, and a
 * third edge that joins later shares it too.
 */
let consul: TestConsul;
let secrets: GatewaySecrets;
let gateway: RunningGateway;
let edgeA: TestLb;
let edgeB: TestLb;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['alice', 'capped', 'trio'], { capped: 6, trio: 5 });
  running.push((await startEcho(consul.httpAddr, 'echo', '/echo')).proc);
  gateway = await startGatewayWithEdges(consul.httpAddr, '127.0.0.1:1', secrets, {}, [await peerEnv(), await peerEnv()]);
  [edgeA, edgeB] = gateway.edges as [TestLb, TestLb];
  for (const edge of gateway.edges) await waitFor(async () => (await call(edge, '/echo/x', 'alice')).status === 200, { timeoutMs: 10_000, what: 'both edges to route /echo' });
  await waitFor(async () => (await connectedPeers(edgeA)).includes(edgeB.controllerId), { timeoutMs: 10_000, what: 'edge A to find edge B in Consul and connect' });
});

/** An edge that registers a peers port: the others find it in Consul. */
const peerEnv = async (): Promise<Record<string, string>> => ({ EDGE_PEER_PORT: String(await freePort()), EDGE_LIMIT_AUTH_FAILURES: '0' });

/**
 * Calls `edges` in turn, `calls` times, and after each call waits until every edge's table holds the
 * count so far (peers push each update at once; on a loaded machine that takes longer than any fixed
 * pause): what a client spreading its calls over the edges meets once the tables are in step.
 */
async function spreadCalls(edges: readonly TestLb[], path: string, clientId: string, calls: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    statuses.push((await call(edges[i % edges.length] as TestLb, path, clientId)).status);
    await waitFor(async () => (await Promise.all(edges.map((e) => clientCount(e, clientId)))).every((n) => n >= i + 1), { timeoutMs: 5_000, intervalMs: 10, what: `every edge to count ${i + 1} calls of ${clientId}` });
  }
  return statuses;
}

/** The peers an edge's HAProxy holds an established session with (its Runtime API's `show peers`). */
async function connectedPeers(edge: TestLb): Promise<string[]> {
  const answer = await runtimeCommand(edge.adminSocket, 'show peers');
  return [...answer.matchAll(/^\s*0x[0-9a-f]+: id=([^(\s]+)\(remote,[^)]*\) addr=\S+ last_status=ESTA/gm)].map((m) => m[1] ?? '');
}



afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), gateway?.stop()]);
  await consul?.stop();
});

const call = async (edge: TestLb, path: string, client?: string, key?: string): Promise<{ status: number; host?: string }> => {
  const res = await httpRequest(edge.addr, path, { headers: client || key ? { 'x-api-key': key ?? secrets.keys[client ?? ''] ?? '' } : {} });
  return { status: res.status, host: res.status === 200 ? (JSON.parse(res.body) as { headers: { host: string } }).headers.host : undefined };
};

/** The edges' worker process ids: a reload replaces the worker, so an unchanged id means none happened. */
const workers = async (): Promise<string[]> => Promise.all(gateway.edges.map(workerPid));

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
  // bob's own limit of 2 (already spent above on edge A and B) holds, once B's count reached A through
  // peers (pushed within ~100 ms when idle, later on a loaded machine: the cross-edge count itself is
  // asserted exactly in the peers test below).
  await waitFor(async () => (await call(edgeA, '/echo/k', undefined, bobKey)).status === 429, { timeoutMs: 2_000, intervalMs: 100, what: "bob's own limit of 2 at edge A" });
  expect(await workers()).toEqual(before);
});

test('a new JWT secret, audience or clock tolerance applies in the running edges within 1 s, without a reload', async () => {
  const before = await settledWorkers();
  const bearer = async (edge: TestLb, secret: string, extra: Record<string, unknown> = {}): Promise<number> =>
    (await httpRequest(edge.addr, '/echo/jwt', { headers: { authorization: `Bearer ${signJwt(secret, validClaims('jwt-client', extra))}` } })).status;
  expect(await bearer(edgeA, secrets.jwtSecret)).toBe(200);
  // The secret rotates: tokens signed with the old one stop working, the new one's start.
  const rotated = randomBytes(48).toString('base64url');
  const rotatedAt = Date.now();
  writeFileSync(secrets.jwtSecretFile, `${rotated}\n`);
  for (const edge of [edgeA, edgeB]) await waitFor(async () => (await bearer(edge, rotated)) === 200 && (await bearer(edge, secrets.jwtSecret)) === 401, { timeoutMs: 1_000, intervalMs: 20, what: 'the new secret in the edge' });
  process.stdout.write(`JWT secret rotation applied in both edges ${Date.now() - rotatedAt} ms after the file was written\n`);
  // The audience changes, and a 100 s tolerance lets a token that expired 60 s ago through.
  writeFileSync(secrets.jwtSettingsFile, JSON.stringify({ issuer: JWT_ISSUER, audience: 'other-audience', clockToleranceMs: 100_000 }));
  const expired = { aud: 'other-audience', exp: Math.floor(Date.now() / 1000) - 60 };
  for (const edge of [edgeA, edgeB]) await waitFor(async () => (await bearer(edge, rotated, expired)) === 200 && (await bearer(edge, rotated)) === 401, { timeoutMs: 1_000, intervalMs: 20, what: 'the new audience and tolerance in the edge' });
  // A settings file that turns invalid changes nothing: the edges keep the last good settings.
  writeFileSync(secrets.jwtSettingsFile, '{"issuer": "with space"');
  await sleep(600);
  expect(await bearer(edgeA, rotated, expired)).toBe(200);
  expect(await workers()).toEqual(before);
  const log = gateway.proc.output();
  expect(log).toContain('JWT settings are invalid; the edges keep the last good ones');
  for (const secret of [rotated, secrets.jwtSecret]) expect(log).not.toContain(secret);
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

test('a client limited to 6 gets 6 answers, then 429, across two edges that found each other in Consul (not 12)', async () => {
  const statuses = await spreadCalls([edgeA, edgeB], '/echo/capped', 'capped', 12);
  expect(statuses).toEqual([...Array(6).fill(200), ...Array(6).fill(429)]);
});

test('a third edge that joins later is found by the other two, and a client limit then holds across all three', async () => {
  // The first test replaced the key file: trio gets its key (and limit) back.
  const trio = { clientId: 'trio', sha256: createHash('sha256').update(secrets.keys.trio ?? '').digest('hex'), rateLimitMax: 5 };
  writeFileSync(secrets.apiKeysFile, JSON.stringify({ keys: [trio] }));
  // Asked of the edges' maps, so no request counts against the client yet.
  for (const edge of [edgeA, edgeB]) {
    await waitFor(async () => /value="trio"/.test(await runtimeCommand(edge.adminSocket, `get map ${join(gateway.mapsDir, 'api-keys.map')} ${trio.sha256}`)), { timeoutMs: 2_000, intervalMs: 20, what: 'the new key in the edge' });
  }
  const startedAt = Date.now();
  const edgeC = await startTestLb(consul.httpAddr, 'edge', { EDGE_MAPS_DIR: gateway.mapsDir, ...(await peerEnv()) });
  try {
    const passingAt = Date.now();
    // C names A and B from its first start; A and B see C pass and reload (peers cannot change at run time in HAProxy 2.6).
    const allConnected = async (): Promise<boolean> =>
      (await connectedPeers(edgeA)).includes(edgeC.controllerId) && (await connectedPeers(edgeB)).includes(edgeC.controllerId) && (await connectedPeers(edgeC)).length === 2;
    await waitFor(allConnected, { timeoutMs: 15_000, intervalMs: 20, what: 'the three edges connected to each other' });
    process.stdout.write(`third edge: passing in Consul ${passingAt - startedAt} ms after its start; all three edges connected ${Date.now() - passingAt} ms after it passed\n`);
    // Converged means every edge's worker has also ended its first sync of the table: before that
    // a reload (A and B reload for C) can drop the counts its worker took (docs/gateway.md).
    await waitFor(async () => (await Promise.all([edgeA, edgeB, edgeC].map(tableSynced))).every(Boolean), { timeoutMs: 20_000, intervalMs: 100, what: 'every edge to end its first sync of the client table' });
    process.stdout.write(`third edge: every table in sync ${Date.now() - passingAt} ms after it passed\n`);
    // A client limited to 5, round-robin over the three edges: 5 answers, then 429 everywhere.
    const statuses = await spreadCalls([edgeA, edgeB, edgeC], '/echo/t', 'trio', 9);
    expect(statuses).toEqual([...Array(5).fill(200), ...Array(4).fill(429)]);
  } finally {
    await edgeC.stop();
  }
});

test('a route an edge missed at a reload (its master read the map file a moment too early) reaches the new worker from the gateway', async () => {
  const routesFile = join(gateway.mapsDir, 'routes.map');
  const current = readFileSync(routesFile, 'utf8');
  expect(current).toContain('/late ');
  const before = await workerPid(edgeA);
  // What the master reads when it reloads just before the gateway writes a new route.
  writeFileSync(routesFile, current.split('\n').filter((line) => !line.startsWith('/late ')).join('\n'));
  try {
    await runtimeCommand(join(edgeA.dir, 'master.sock'), 'reload');
    await waitFor(async () => (await workerPid(edgeA)) !== before, { timeoutMs: 10_000, intervalMs: 20, what: "edge A's new worker" });
    const reloadedAt = Date.now();
    await waitFor(async () => (await call(edgeA, '/late/1')).host === 'late', { timeoutMs: 5_000, intervalMs: 50, what: 'the new worker to route /late' });
    process.stdout.write(`route missing from the reloaded edge's map file routed ${Date.now() - reloadedAt} ms after its new worker answered\n`);
    // Long after the old worker left: the answer is the new worker's own.
    await sleep(1_500);
    expect((await call(edgeA, '/late/2')).host).toBe('late');
    expect(gateway.proc.output()).toContain('edge reloaded: its maps are sent again');
  } finally {
    writeFileSync(routesFile, current);
  }
});
