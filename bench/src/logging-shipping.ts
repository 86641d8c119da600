import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { field } from '@platform/opensearch';
import { sleep, waitFor } from '@platform/process-runner';
import { closeLogger, createLogger } from '@platform/service-kit';
import { startTestLogging, type TestLogging } from '@platform/tests/dist/harness/logging';
import { percentile, printTable } from './stats';

const LATENCY_LINES = Number(process.env.BENCH_LOG_LATENCY_LINES ?? 150);
const LATENCY_GAP_MS = Number(process.env.BENCH_LOG_LATENCY_GAP_MS ?? 200);
const THROUGHPUT_LINES = Number(process.env.BENCH_LOG_THROUGHPUT_LINES ?? 100_000);
const POLL_MS = 100;

/**
 * Written → searchable: the kit's logger (a real winston file transport) writes one line every
 * LATENCY_GAP_MS; the store is polled every POLL_MS for new lines of the run, and each line's
 * latency is the time it was first found minus its @timestamp (so up to POLL_MS is polling).
 */
async function measureLatency(logging: TestLogging): Promise<number[]> {
  const run = `latency-${Date.now()}`;
  const logger = createLogger({ service: 'bench-latency', instanceId: 'bench-latency-1', node: 'bench', level: 'info', logDir: logging.logDir, toStdout: false });
  const latencies = new Map<string, number>();
  let writing = true;
  const writer = (async () => {
    for (let i = 1; i <= LATENCY_LINES; i += 1) {
      logger.info('latency probe', { labels: { run, seq: String(i) } });
      await sleep(LATENCY_GAP_MS);
    }
    writing = false;
  })();
  const deadline = Date.now() + LATENCY_LINES * LATENCY_GAP_MS + 30_000;
  while ((writing || latencies.size < LATENCY_LINES) && Date.now() < deadline) {
    // The day's index is created by the first line shipped; searches fail until its shard starts.
    const found = await logging.store.searchAll({ labels: { run } }).catch(() => []);
    for (const entry of found) {
      const seq = String(field(entry.source, 'labels.seq'));
      if (!latencies.has(seq)) latencies.set(seq, Date.now() - Date.parse(entry.timestamp));
    }
    await sleep(POLL_MS);
  }
  await writer;
  await closeLogger(logger);
  return [...latencies.values()];
}

/**
 * Shipping throughput: THROUGHPUT_LINES kit lines are written to a file Filebeat does not watch
 * yet, which is then renamed into its glob; the clock runs from the rename until the store
 * counts them all (discovery within 1 s included).
 */
async function measureThroughput(logging: TestLogging): Promise<{ seconds: number; linesPerSecond: number; writeLinesPerSecond: number }> {
  const run = `throughput-${Date.now()}`;
  const staging = join(logging.logDir, '..', 'staging');
  const logger = createLogger({ service: 'bench-throughput', instanceId: 'bench-throughput-1', node: 'bench', level: 'info', logDir: staging, toStdout: false });
  const writeStart = performance.now();
  for (let i = 1; i <= THROUGHPUT_LINES; i += 1) logger.info('throughput line', { labels: { run, seq: String(i) } });
  await closeLogger(logger);
  const writeLinesPerSecond = THROUGHPUT_LINES / ((performance.now() - writeStart) / 1000);
  mkdirSync(join(logging.logDir, 'bench-throughput'), { recursive: true });
  renameSync(join(staging, 'bench-throughput', 'bench-throughput-1.log'), join(logging.logDir, 'bench-throughput', 'bench-throughput-1.log'));
  const start = performance.now();
  await waitFor(async () => (await logging.store.count({ labels: { run } })) >= THROUGHPUT_LINES, { timeoutMs: 300_000, intervalMs: 250, what: `${THROUGHPUT_LINES} lines in the store` });
  const seconds = (performance.now() - start) / 1000;
  return { seconds, linesPerSecond: THROUGHPUT_LINES / seconds, writeLinesPerSecond };
}

export async function benchLoggingShipping(): Promise<void> {
  const logging = await startTestLogging();
  try {
    const latencies = await measureLatency(logging);
    printTable(
      `Line written (kit logger, file) → searchable in OpenSearch via Filebeat; ${LATENCY_LINES} lines, one every ${LATENCY_GAP_MS} ms, store polled every ${POLL_MS} ms`,
      ['lines found', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      [[`${latencies.length}/${LATENCY_LINES}`, percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99), Math.max(...latencies)]],
    );
    const shipped = await measureThroughput(logging);
    printTable(
      `Shipping throughput: ${THROUGHPUT_LINES} lines already on disk, Filebeat → OpenSearch (one node, 2 cores shared)`,
      ['lines', 'seconds', 'lines/s shipped', 'lines/s written by the kit logger (for scale)'],
      [[THROUGHPUT_LINES, shipped.seconds, Math.round(shipped.linesPerSecond), Math.round(shipped.writeLinesPerSecond)]],
    );
  } finally {
    await logging.stop();
  }
}
