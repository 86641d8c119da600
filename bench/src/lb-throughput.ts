import autocannon from 'autocannon';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { startGateway, writeGatewaySecrets } from '@platform/tests/dist/harness/gateway';
import { LOAD_TEST_EDGE, startTestLb } from '@platform/tests/dist/harness/load-balancer';
import { entryPoints, startRegisteredService } from '@platform/tests/dist/harness/service-process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenSearchNode } from '@platform/opensearch';
import { freePort, startUntilReady } from '@platform/process-runner';
import { startTestTracing } from '@platform/tests/dist/harness/tracing';
import { cpuSeconds } from './process-stats';
import { printTable } from './stats';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
/** Each path's time is cut into this many slices, taken in turn with the other paths'. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

export interface PathResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) the serving process spent per request, when its pid was given. */
  cpuUsPerRequest?: number;
}

export interface BenchPath {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** The serving process, whose CPU time per request is then measured too. */
  pid?: number;
}

/**
 * The paths measured in turn, ROUNDS slices each (A B C A B C …), so a machine whose load drifts
 * during the run (other work on shared cores) weighs on every path alike: throughput is all
 * requests over all slices, p50 and p99 the mean of the slices' (autocannon's are whole ms). The
 * CPU time per request (for a path with a pid) does not depend on how much of the shared cores the
 * process got meanwhile, as its throughput does.
 */
export async function measureInterleaved(paths: readonly BenchPath[]): Promise<PathResult[]> {
  const slices = paths.map(() => [] as { requests: number; seconds: number; p50: number; p99: number; errors: number; cpu: number }[]);
  const seconds = Math.max(1, Math.round(DURATION_S / ROUNDS));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, path] of paths.entries()) {
      const cpuBefore = path.pid ? cpuSeconds(path.pid) : 0;
      const r = await autocannon({ url: path.url, headers: path.headers ?? {}, connections: CONNECTIONS, duration: seconds, pipelining: 1 });
      const cpu = path.pid ? cpuSeconds(path.pid) - cpuBefore : 0;
      slices[i]?.push({ requests: r.requests.total, seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, cpu });
    }
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return paths.map((path, i) => {
    const s = slices[i] ?? [];
    const requests = s.reduce((a, x) => a + x.requests, 0);
    const cpu = path.pid && requests > 0 ? { cpuUsPerRequest: (s.reduce((a, x) => a + x.cpu, 0) / requests) * 1e6 } : {};
    return { name: path.name, rps: requests / s.reduce((a, x) => a + x.seconds, 0), p50: mean(s.map((x) => x.p50)), p99: mean(s.map((x) => x.p99)), errors: s.reduce((a, x) => a + x.errors, 0), ...cpu };
  });
}

/** Each path beside the first (direct) and, when given, beside a reference path (the one-hop floor). */
export function printPaths(title: string, results: readonly PathResult[], reference?: PathResult): void {
  const base = results[0] as PathResult;
  // autocannon's latencies are whole milliseconds: a p99 of 0 has no meaningful ratio.
  const vsReference = (r: PathResult): string[] => (reference ? [(r.rps / reference.rps).toFixed(2), reference.p99 > 0 ? (r.p99 / reference.p99).toFixed(2) : '-'] : []);
  printTable(
    title,
    ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'throughput vs direct', ...(reference ? ['throughput vs one hop', 'p99 vs one hop'] : [])],
    results.map((r) => [r.name, Math.round(r.rps), r.p50, r.p99, r.errors, (r.rps / base.rps).toFixed(2), ...vsReference(r)]),
  );
}

/** GET /users/:id on one users instance reading PostgreSQL: direct, one hop, and the public path; then what tracing costs it. */
async function benchUsersById(consulAddr: string, internalAddr: string, edgeAddr: string, apiKey: string): Promise<void> {
  const users = await startRegisteredService(entryPoints.users, 'users', consulAddr, { LOG_LEVEL: 'warn', INSTANCE_ID: 'users-bench' });
  try {
    const direct = `http://127.0.0.1:${users.port}`;
    const created = await fetch(`${direct}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', name: 'Bench' }) });
    const { id } = (await created.json()) as { id: string };
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const results = await measureInterleaved([
      { name: 'client → users (direct)', url: `${direct}/users/${id}` },
      { name: 'client → internal HAProxy → users (one hop)', url: `http://${internalAddr}/users/${id}`, headers: { host: 'users' } },
      { name: 'client → edge (key, limit, route) → users', url: `http://${edgeAddr}/users/${id}`, headers: { 'x-api-key': apiKey } },
    ]);
    printPaths(`GET /users/:id (PostgreSQL), ${CONNECTIONS} connections, ${DURATION_S} s each in ${ROUNDS} turns, same run`, results, results[1]);
    await benchTracingCost(consulAddr, { url: direct, pid: users.child.pid }, id);
  } finally {
    await users.child.stop(3_000);
  }
}

/**
 * The same request to the same single instance, in one run: straight to the service, through the
 * internal HAProxy (one bare hop, the floor of any design with a proxy), and the whole public path
 * (the edge HAProxy authenticating the API key, counting the client's limit, matching the route).
 */
export async function benchLbThroughput(): Promise<void> {
  const consul = await startTestConsul();
  const internal = await startTestLb(consul.httpAddr, 'internal');
  const secrets = writeGatewaySecrets(['bench'], { bench: 100_000_000 });
  const quiet = { LOG_LEVEL: 'warn' };
  const gateway = await startGateway(consul.httpAddr, internal.addr, secrets, quiet, LOAD_TEST_EDGE);
  const edge = gateway.edge;
  const instance = await startRegisteredService(entryPoints.slow, 'whoami', consul.httpAddr, {
    ...quiet,
    INSTANCE_ID: 'who-bench',
    FIXTURE_SERVICE_NAME: 'whoami',
    FIXTURE_LABEL: 'bench',
    FIXTURE_GATEWAY_PREFIX: '/whoami',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const results = await measureInterleaved([
      { name: 'client → service (direct)', url: `http://127.0.0.1:${instance.port}/whoami` },
      { name: 'client → internal HAProxy → service (one hop)', url: `http://${internal.addr}/whoami`, headers: { host: 'whoami' } },
      { name: 'client → edge (key, limit, route) → service', url: `http://${edge.addr}/whoami`, headers: { 'x-api-key': secrets.keys.bench as string } },
      // The same route through the Lua path converter (an escape the edge decodes), which a plain path skips.
      { name: 'the same, path through the Lua converter (/%77hoami)', url: `http://${edge.addr}/%77hoami`, headers: { 'x-api-key': secrets.keys.bench as string } },
    ]);
    printPaths(`Throughput and latency, ${CONNECTIONS} connections, ${DURATION_S} s each in ${ROUNDS} turns, one instance of everything, same run`, results, results[1]);
    await benchUsersById(consul.httpAddr, internal.addr, edge.addr, secrets.keys.bench as string);
  } finally {
    await Promise.all([instance.child.stop(3_000), gateway.stop()]);
    await internal.stop();
    await consul.stop();
  }
}

/**
 * Only the tracing table (`npm run bench tracing-cost`): Consul, one untraced users instance and
 * the two traced ones, without the proxies' tables before it, so a tracing change is measured in
 * a short run. BENCH_TRACING_PROFILE_DIR: the traced instances write CPU profiles there at exit.
 */
export async function benchTracingCostOnly(): Promise<void> {
  const consul = await startTestConsul();
  const users = await startRegisteredService(entryPoints.users, 'users', consul.httpAddr, { LOG_LEVEL: 'warn', INSTANCE_ID: 'users-bench' });
  try {
    const direct = `http://127.0.0.1:${users.port}`;
    const created = await fetch(`${direct}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', name: 'Bench' }) });
    const { id } = (await created.json()) as { id: string };
    await benchTracingCost(consul.httpAddr, { url: direct, pid: users.child.pid }, id);
  } finally {
    await users.child.stop(3_000);
    await consul.stop();
  }
}

const SPAN_SINK = `require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
}).listen(Number(process.argv[1]), '127.0.0.1');`;

/**
 * Takes OTLP exports and drops them: an instance's own tracing cost, without a store on this
 * machine. A process of its own: in the bench's, reading every batch slowed autocannon's one
 * thread during the traced instance's turns only.
 */
async function startSpanSink(): Promise<{ url: string; close(): Promise<unknown> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startUntilReady(process.execPath, ['-e', SPAN_SINK, String(port)], {
    outputFile: join(mkdtempSync(join(tmpdir(), 'bench-sink-')), 'output.log'),
    what: `span sink on ${url}`,
    ready: () => fetch(url, { method: 'POST', body: '' }).then((res) => res.ok, () => false),
    timeoutMs: 10_000,
    intervalMs: 100,
  });
  return { url, close: () => child.stop(3_000) };
}

/**
 * The same GET /users/:id to three users instances side by side on one database: without a trace
 * store (nothing recorded); recording everything (100 %: server span and query span) and exporting
 * to a sink that drops it (the instance's own cost, as with the store on another machine); and
 * exporting to a real Jaeger storing in OpenSearch on this machine. Alternating rounds, so a
 * machine whose load changes meanwhile weighs on all alike. Beside the throughput, each instance's
 * CPU time per request: on shared cores whose other load comes and goes, the throughput of a
 * slice says as much about the neighbours as about the instance; its CPU per request does not, and
 * an instance that is CPU-bound loses throughput as its CPU per request grows.
 */
async function benchTracingCost(consulAddr: string, untraced: { url: string; pid: number }, id: string): Promise<void> {
  const store = await startOpenSearchNode({ stateDir: mkdtempSync(join(tmpdir(), 'bench-traces-')), httpPort: await freePort(), transportPort: await freePort(), heap: '384m' });
  const tracing = await startTestTracing(store.url);
  const sink = await startSpanSink();
  const profileDir = process.env.BENCH_TRACING_PROFILE_DIR;
  const profile: Record<string, string> = profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {};
  const start = (label: string, otlpUrl: string) =>
    startRegisteredService(entryPoints.users, 'users', consulAddr, { LOG_LEVEL: 'warn', INSTANCE_ID: `users-bench-${label}`, TRACING_OTLP_URL: otlpUrl, TRACING_SAMPLE_RATIO: '1', ...profile });
  const [toSink, toJaeger] = await Promise.all([start('sink', sink.url), start('jaeger', tracing.jaeger.otlpUrl)]);
  try {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const results = await measureInterleaved([
      { name: 'tracing off', url: `${untraced.url}/users/${id}`, pid: untraced.pid },
      { name: 'tracing 100 %, spans dropped by a sink', url: `http://127.0.0.1:${toSink.port}/users/${id}`, pid: toSink.child.pid },
      { name: 'tracing 100 %, Jaeger + OpenSearch on this machine', url: `http://127.0.0.1:${toJaeger.port}/users/${id}`, pid: toJaeger.child.pid },
    ]);
    const off = results[0] as PathResult;
    const lost = (r: PathResult): string => (r === off ? '-' : `${(((off.rps - r.rps) / off.rps) * 100).toFixed(1)} %`);
    const cpu = (r: PathResult): number | string => (r.cpuUsPerRequest === undefined ? '-' : Math.round(r.cpuUsPerRequest));
    // At the same CPU (a CPU-bound instance), throughput falls as CPU per request grows: 1 - off/traced.
    const lostByCpu = (r: PathResult): string =>
      r === off || r.cpuUsPerRequest === undefined || off.cpuUsPerRequest === undefined ? '-' : `${((1 - off.cpuUsPerRequest / r.cpuUsPerRequest) * 100).toFixed(1)} %`;
    const stored = await tracing.query.services();
    printTable(
      `Tracing cost, GET /users/:id (PostgreSQL) straight to an instance, ${CONNECTIONS} connections, ${DURATION_S} s each in ${ROUNDS} turns (spans stored for: ${stored.join(', ')})`,
      ['instance', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'throughput lost', 'CPU µs per request', 'lost at the same CPU'],
      results.map((r) => [r.name, Math.round(r.rps), r.p50, r.p99, r.errors, lost(r), cpu(r), lostByCpu(r)]),
    );
  } finally {
    await Promise.all([toSink.child.stop(3_000), toJaeger.child.stop(3_000)]);
    await sink.close();
    await tracing.stop();
    await store.stop(20_000);
  }
}
