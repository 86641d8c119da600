import { randomBytes } from 'node:crypto';
import { field, type LogEntry } from '@platform/opensearch';
import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { httpRequest } from '../harness/http-client';
import { loggingFixtureEntry, startTestLogging, type TestLogging } from '../harness/logging';
import { startRegisteredService, type ServiceProcess } from '../harness/service-process';

let consul: TestConsul;
let logging: TestLogging;
let service: ServiceProcess;

beforeAll(async () => {
  [consul, logging] = await Promise.all([startTestConsul(), startTestLogging()]);
  service = await startRegisteredService(loggingFixtureEntry, 'log-burst', consul.httpAddr, { FIXTURE_SERVICE_NAME: 'log-burst', LOG_DIR: logging.logDir, LOG_TO_STDOUT: 'false' });
}, 150_000);

afterAll(async () => {
  await service?.child.stop(5_000);
  await Promise.all([logging?.stop(), consul?.stop()]);
});

/** Starts the fixture writing `lines` lines tagged `run`, `perSecond` a second, in the background. */
async function startBurst(run: string, lines: number, perSecond: number): Promise<void> {
  const res = await httpRequest(`127.0.0.1:${service.port}`, `/burst?lines=${lines}&perSecond=${perSecond}&run=${run}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

/** Every sequence number 1..lines exactly once among the stored lines of `run`. */
function expectEachLineOnce(entries: LogEntry[], lines: number): void {
  const seqs = entries.map((e) => Number(field(e.source, 'labels.seq')));
  const distinct = new Set(seqs);
  expect({ stored: entries.length, distinct: distinct.size }).toEqual({ stored: lines, distinct: lines });
  expect(Math.min(...seqs)).toBe(1);
  expect(Math.max(...seqs)).toBe(lines);
}

test('OpenSearch stopped for 30 s while the service logs: afterwards every line is in the index exactly once', async () => {
  const run = `outage-${randomBytes(4).toString('hex')}`;
  const lines = 8_000;
  await startBurst(run, lines, 200);
  await waitFor(async () => (await logging.store.count({ labels: { run } })) > 0, { timeoutMs: 10_000, intervalMs: 250, what: 'the first lines to be shipped' });
  await sleep(2_000);

  await logging.stopOpenSearch();
  const downAt = new Date();
  await sleep(30_000);
  await logging.startOpenSearch();
  const upAt = new Date();

  const started = Date.now();
  await logging.waitForCount({ labels: { run } }, lines, 90_000);
  const entries = await logging.store.searchAll({ labels: { run } });
  expectEachLineOnce(entries, lines);
  const writtenWhileDown = entries.filter((e) => e.timestamp >= downAt.toISOString() && e.timestamp <= upAt.toISOString()).length;
  process.stdout.write(`outage: ${writtenWhileDown} lines written while OpenSearch was down, all ${lines} lines stored once; complete ${Date.now() - started} ms after it came back\n`);
  expect(writtenWhileDown).toBeGreaterThan(4_000);
}, 180_000);

test('Filebeat stopped (SIGTERM) and killed (SIGKILL) mid-stream: no line lost, none duplicated', async () => {
  const run = `restart-${randomBytes(4).toString('hex')}`;
  const lines = 10_000;
  await startBurst(run, lines, 500);
  await sleep(4_000);
  await logging.restartFilebeat({ downMs: 2_000 });
  await sleep(4_000);
  await logging.restartFilebeat({ kill: true, downMs: 1_000 });

  await logging.waitForCount({ labels: { run } }, lines, 60_000);
  expectEachLineOnce(await logging.store.searchAll({ labels: { run } }), lines);
  const stats = await logging.filebeat.stats();
  process.stdout.write(`restarts: all ${lines} lines stored once; the last Filebeat re-sent ${stats.duplicates} lines the store already had, dropped ${stats.dropped}\n`);
  expect(stats.dropped).toBe(0);
}, 120_000);
