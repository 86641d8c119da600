import autocannon from 'autocannon';
import { sleep } from '@platform/process-runner';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { httpRequest } from '@platform/tests/dist/harness/http-client';
import { loggingFixtureEntry, startTestLogging } from '@platform/tests/dist/harness/logging';
import { startRegisteredService } from '@platform/tests/dist/harness/service-process';
import { printTable } from './stats';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const RATE = Number(process.env.BENCH_LOG_LOAD_RPS ?? 400);
const LINES_PER_SECOND = Number(process.env.BENCH_LOG_LINES_PER_SECOND ?? 10_000);

interface Run {
  name: string;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  linesPerSecond: number;
}

async function written(addr: string): Promise<number> {
  return (JSON.parse((await httpRequest(addr, '/burst')).body) as { written: number }).written;
}

/**
 * Request latency of one instance at a fixed request rate (autocannon overallRate), without and
 * then with the same instance writing LINES_PER_SECOND log lines a second in the background, while
 * Filebeat ships its file to OpenSearch on the same machine, as on a node.
 */
export async function benchLoggingLoad(): Promise<void> {
  const [consul, logging] = await Promise.all([startTestConsul(), startTestLogging()]);
  const service = await startRegisteredService(loggingFixtureEntry, 'log-load', consul.httpAddr, { FIXTURE_SERVICE_NAME: 'log-load', LOG_DIR: logging.logDir, LOG_TO_STDOUT: 'false' });
  const addr = `127.0.0.1:${service.port}`;
  const measure = async (name: string, seconds = DURATION_S): Promise<Run> => {
    const before = await written(addr);
    const result = await autocannon({ url: `http://${addr}/ping`, connections: 8, overallRate: RATE, duration: seconds });
    const lines = (await written(addr)) - before;
    return { name, rps: result.requests.average, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, errors: result.errors + result.non2xx, linesPerSecond: lines / DURATION_S };
  };
  try {
    // Warm-up (JIT, the day's index created by the first lines), not reported.
    await measure('warm-up', 5);
    const quiet = await measure('no background logging');
    await httpRequest(addr, `/burst?lines=${LINES_PER_SECOND * (DURATION_S + 3)}&perSecond=${LINES_PER_SECOND}&run=load`, { method: 'POST' });
    await sleep(2_000);
    const loaded = await measure(`${LINES_PER_SECOND} lines/s in the background`);
    await sleep(3_000);
    const after = await measure('no background logging, again');
    printTable(
      `Request latency at ${RATE} req/s for ${DURATION_S} s (GET /ping, 8 connections), same instance, Filebeat shipping to OpenSearch on the same 2 cores`,
      ['run', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'background lines/s achieved'],
      [quiet, loaded, after].map((r) => [r.name, Math.round(r.rps), r.p50, r.p90, r.p99, r.max, r.errors, Math.round(r.linesPerSecond)]),
    );
  } finally {
    await service.child.stop(5_000);
    await Promise.all([logging.stop(), consul.stop()]);
  }
}
