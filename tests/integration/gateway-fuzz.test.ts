import { readFileSync } from 'node:fs';
import { waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { signJwt, startEcho, startGateway, validClaims, writeGatewaySecrets, type RunningGateway } from '../harness/gateway';
import { LOAD_TEST_EDGE } from '../harness/load-balancer';
import { describeFuzzRequest, fuzzRequest, seededRandom, sendRaw } from '../harness/http-fuzz';
import type { ServiceProcess } from '../harness/service-process';

/**
 * 2,000 malformed requests (random methods, paths, headers, bodies, bad JSON, huge headers, broken
 * framing) at the real edge (the gateway's data path) in front of a real service, on loopback only, bounded in count and
 * time. Afterwards every process must still be up and answering, and the gateway must not have
 * answered any of them with a 500 (a 5xx would mean it failed on input instead of rejecting it).
 */
const TOTAL = 2_000;
const CONCURRENCY = 16;
const DEADLINE_MS = 90_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Whole seconds: HAProxy's log time is read from its own clock at millisecond precision. */
const fileStartedAt = Math.floor(Date.now() / 1000) * 1000;

let consul: TestConsul;
let gateway: RunningGateway;
let echo: { proc: ServiceProcess; addr: string };
let open: { proc: ServiceProcess; addr: string };
let apiKey: string;
let jwt: string;

beforeAll(async () => {
  consul = await startTestConsul();
  const secrets = writeGatewaySecrets(['fuzzer']);
  apiKey = secrets.keys.fuzzer ?? '';
  jwt = signJwt(secrets.jwtSecret, validClaims('fuzzer', { exp: Math.floor(Date.now() / 1000) + 3_600 }));
  echo = await startEcho(consul.httpAddr, 'echo', '/echo', 'required');
  open = await startEcho(consul.httpAddr, 'open', '/open', 'public');
  // The fuzzer is one source address: the edge's per-source limits would answer it 429 before the rules under test.
  gateway = await startGateway(consul.httpAddr, echo.addr, secrets, { GATEWAY_RATE_LIMIT_MAX: '1000000' }, { ...LOAD_TEST_EDGE, EDGE_LIMIT_AUTH_FAILURES: '0', EDGE_BODY_LIMIT_BYTES: '8192' });
  // Every route the fuzzer aims at, /docs (the gateway's own backend) included, before it starts.
  await waitFor(async () => (await fetch(`${gateway.base}/open/ping`)).status === 200 && (await fetch(`${gateway.base}/docs`)).status === 200, { timeoutMs: 10_000, what: 'the edge to route /open and /docs' });
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), ...[echo, open].filter(Boolean).map((p) => p.proc.child.stop(3_000))]);
  await consul?.stop();
});

test(`${TOTAL} fuzzed malformed requests leave the gateway and the services up and answering`, async () => {
  const rand = seededRandom(SEED);
  const port = Number(new URL(gateway.base).port);
  const statuses = new Map<number, number>();
  const examples = new Map<number, string[]>();
  // Every 5xx with the request that got it: its number in the seed's sequence replays it.
  const serverErrors: string[] = [];
  const deadline = Date.now() + DEADLINE_MS;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < TOTAL && Date.now() < deadline) {
      const index = next;
      next += 1;
      const request = fuzzRequest(rand, { apiKey, jwt });
      const status = await sendRaw('127.0.0.1', port, request, 3_000);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) serverErrors.push(`${status} at ${new Date().toISOString()} to request ${index} of seed ${SEED}: ${describeFuzzRequest(request)}`);
      // FUZZ_VERBOSE=1 shows the head of a few requests per status, to see what each answer covers.
      const seen = examples.get(status) ?? [];
      if (process.env.FUZZ_VERBOSE && seen.length < 4) examples.set(status, [...seen, request.subarray(0, 300).toString('latin1')]);
    }
  };
  const startedAt = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? 'no answer' : s}: ${n}`);
  for (const [status, heads] of examples) process.stdout.write(`--- ${status}\n${heads.join('\n--\n')}\n`);
  process.stdout.write(`fuzz (seed ${SEED}): ${next} requests in ${Date.now() - startedAt} ms; ${summary.join(', ')}\n`);

  expect(next).toBe(TOTAL);
  expect([gateway.proc.child.isRunning(), gateway.edge.child.isRunning(), echo.proc.child.isRunning(), open.proc.child.isRunning()]).toEqual([true, true, true, true]);
  if (serverErrors.length > 0) {
    // The edge's own line for each tells who answered: the edge, the route's backend or the service.
    const edgeLines = readFileSync(gateway.edge.haproxyLog, 'utf8').split('\n').filter((l) => /"http\.response\.status_code":5\d\d/.test(l));
    process.stdout.write(`server errors:\n${serverErrors.join('\n')}\nthe edge's 5xx lines:\n${edgeLines.join('\n')}\n`);
  }
  expect(serverErrors).toEqual([]);

  // Still answering: its own health, a routed call, and the services directly.
  expect((await fetch(`${gateway.direct}/health/ready`)).status).toBe(200);
  const routed = await fetch(`${gateway.base}/echo/after-fuzz`, { headers: { 'x-api-key': apiKey } });
  expect(routed.status).toBe(200);
  for (const svc of [echo, open]) expect((await fetch(`http://${svc.addr}/health/ready`)).status).toBe(200);

  // Every request's JSON line carries the time it was written, requests the HTTP parser refused
  // (which no rule sees) included.
  const lines = readFileSync(gateway.edge.haproxyLog, 'utf8').split('\n').filter((l) => l.includes('"message":"request completed"'));
  const badStamps = lines.map((l) => (JSON.parse(l) as { '@timestamp': string })['@timestamp']).filter((t) => !ISO_MS.test(t) || Date.parse(t) < fileStartedAt || Date.parse(t) > Date.now());
  expect({ refusedByParser: lines.some((l) => l.includes('"http.request.method":"<BADREQ>"')), badStamps: badStamps.slice(0, 5) }).toEqual({ refusedByParser: true, badStamps: [] });
});
