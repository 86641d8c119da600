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

export function printPaths(title: string, results: readonly PathResult[]): void {
  const base = results[0] as PathResult;
  printTable(
    title,
    ['path', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'throughput vs direct'],
    results.map((r) => [r.name, Math.round(r.rps), r.p50, r.p99, r.errors, (r.rps / base.rps).toFixed(2)]),
  );
}

/**
 * The same request to the same single instance, in one run: straight to the service, through the
 * internal HAProxy, and the whole public path (edge HAProxy → gateway → internal HAProxy).
 */
export async function benchLbThroughput(): Promise<void> {
  const consul = await startTestConsul();
  const [internal, edge] = await Promise.all([startTestLb(consul.httpAddr, 'internal'), startTestLb(consul.httpAddr, 'edge', LOAD_TEST_EDGE)]);
  const secrets = writeGatewaySecrets(['bench'], { bench: 100_000_000 });
  const quiet = { LOG_LEVEL: 'warn' };
  const gateway = await startGateway(consul.httpAddr, internal.addr, secrets, { ...quiet, GATEWAY_TRUSTED_PROXIES: '127.0.0.1' });
  const instance = await startRegisteredService(entryPoints.slow, 'whoami', consul.httpAddr, {
    ...quiet,
    INSTANCE_ID: 'who-bench',
    FIXTURE_SERVICE_NAME: 'whoami',
    FIXTURE_LABEL: 'bench',
    FIXTURE_GATEWAY_PREFIX: '/whoami',
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const results = [
      await measurePath('client → service (direct)', `http://127.0.0.1:${instance.port}/whoami`),
      await measurePath('client → internal HAProxy → service', `http://${internal.addr}/whoami`, { host: 'whoami' }),
      await measurePath('client → edge → gateway → internal → service', `http://${edge.addr}/whoami`, { 'x-api-key': secrets.keys.bench as string }),
    ];
    printPaths(`Throughput and latency, ${CONNECTIONS} connections, ${DURATION_S} s each, one instance of everything, same run`, results);
  } finally {
    await Promise.all([instance.child.stop(3_000), gateway.proc.child.stop(3_000)]);
    await Promise.all([internal.stop(), edge.stop()]);
    await consul.stop();
  }
}
