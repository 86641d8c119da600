import autocannon from 'autocannon';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { startTestLb } from '@platform/tests/dist/harness/load-balancer';
import { entryPoints, startRegisteredService, type ServiceProcess } from '@platform/tests/dist/harness/service-process';
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

/** The same request, the same instance, one run: straight to the service, then through the internal HAProxy. */
export async function benchLbThroughput(extraPaths: (ctx: { consulAddr: string; instance: ServiceProcess }) => Promise<PathResult[]> = async () => []): Promise<void> {
  const consul = await startTestConsul();
  const lb = await startTestLb(consul.httpAddr, 'internal');
  const instance = await startRegisteredService(entryPoints.slow, 'bench', consul.httpAddr, { INSTANCE_ID: 'bench-tput', FIXTURE_SERVICE_NAME: 'bench', FIXTURE_LABEL: 'tput', LOG_LEVEL: 'warn' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const results = [
      await measurePath('client → service (direct)', `http://127.0.0.1:${instance.port}/whoami`),
      await measurePath('client → internal HAProxy → service', `http://${lb.addr}/whoami`, { host: 'bench' }),
      ...(await extraPaths({ consulAddr: consul.httpAddr, instance })),
    ];
    printPaths(`Throughput and latency, ${CONNECTIONS} connections, ${DURATION_S} s each, one instance, same run`, results);
  } finally {
    await instance.child.stop(3_000);
    await lb.stop();
    await consul.stop();
  }
}
