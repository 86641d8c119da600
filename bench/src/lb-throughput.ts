import autocannon from 'autocannon';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { startGateway, writeGatewaySecrets } from '@platform/tests/dist/harness/gateway';
import { LOAD_TEST_EDGE, startTestLb } from '@platform/tests/dist/harness/load-balancer';
import { entryPoints, startRegisteredService } from '@platform/tests/dist/harness/service-process';
import { printTable } from './stats';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

export interface PathResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export async function measurePath(name: string, url: string, headers: Record<string, string> = {}): Promise<PathResult> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
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

/** GET /users/:id on one users instance reading PostgreSQL: direct, one hop, and the public path. */
async function benchUsersById(consulAddr: string, internalAddr: string, edgeAddr: string, apiKey: string): Promise<void> {
  const users = await startRegisteredService(entryPoints.users, 'users', consulAddr, { LOG_LEVEL: 'warn', INSTANCE_ID: 'users-bench' });
  try {
    const direct = `http://127.0.0.1:${users.port}`;
    const created = await fetch(`${direct}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench@example.com', name: 'Bench' }) });
    const { id } = (await created.json()) as { id: string };
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const first = await measurePath('client → users (direct)', `${direct}/users/${id}`);
    const oneHop = await measurePath('client → internal HAProxy → users (one hop)', `http://${internalAddr}/users/${id}`, { host: 'users' });
    const results = [
      first,
      oneHop,
      await measurePath('client → edge (key, limit, route) → users', `http://${edgeAddr}/users/${id}`, { 'x-api-key': apiKey }),
    ];
    printPaths(`GET /users/:id (PostgreSQL), ${CONNECTIONS} connections, ${DURATION_S} s each, same run`, results, oneHop);
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
    const direct = await measurePath('client → service (direct)', `http://127.0.0.1:${instance.port}/whoami`);
    const oneHop = await measurePath('client → internal HAProxy → service (one hop)', `http://${internal.addr}/whoami`, { host: 'whoami' });
    const results = [
      direct,
      oneHop,
      await measurePath('client → edge (key, limit, route) → service', `http://${edge.addr}/whoami`, { 'x-api-key': secrets.keys.bench as string }),
    ];
    printPaths(`Throughput and latency, ${CONNECTIONS} connections, ${DURATION_S} s each, one instance of everything, same run`, results, oneHop);
    await benchUsersById(consul.httpAddr, internal.addr, edge.addr, secrets.keys.bench as string);
  } finally {
    await Promise.all([instance.child.stop(3_000), gateway.stop()]);
    await internal.stop();
    await consul.stop();
  }
}
