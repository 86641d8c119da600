import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { createLogger, messaging } from '@platform/service-kit';
import { freePort, waitFor } from '@platform/process-runner';

const logDir = mkdtempSync(join(tmpdir(), 'messaging-metrics-'));
const logger = createLogger({ service: 'orders', instanceId: 'orders-metrics-test', node: 'test', level: 'info', toStdout: false, logDir });
const logFile = join(logDir, 'orders', 'orders-metrics-test.log');
/** The log so far: a marker line written last and waited for means every earlier line is in the file. */
async function logSoFar(marker: string): Promise<string> {
  logger.info(marker);
  await waitFor(() => readFileSync(logFile, 'utf8').includes(marker), { timeoutMs: 5_000, what: 'the log to be written' });
  return readFileSync(logFile, 'utf8');
}
const pools: Pool[] = [];
const poolTo = (port: number) => {
  const pool = new Pool({ host: '127.0.0.1', port, user: 'nobody', database: 'none', connectionTimeoutMillis: 5_000 });
  pools.push(pool);
  return pool;
};

let silent: Server;
const held: Socket[] = [];
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await new Promise((resolve) => silent?.close(resolve));
});

test('a database that refuses connections does not fail the scrape; the failure is logged once', async () => {
  const registry = new Registry();
  messaging.createMessagingMetrics(registry, { db: poolTo(await freePort()), outbox: true, logger });
  for (let i = 0; i < 3; i += 1) await expect(registry.metrics()).resolves.toMatch(/^outbox_backlog 0$/m);
  const warnings = (await logSoFar('marker-refused')).match(/cannot count the outbox backlog/g) ?? [];
  expect(warnings).toHaveLength(1);
});

test('a database that accepts but never answers does not hold the scrape past its budget', async () => {
  silent = createServer((socket) => void held.push(socket));
  const port = await freePort();
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  const registry = new Registry();
  messaging.createMessagingMetrics(registry, { db: poolTo(port), outbox: true, logger });
  // The pool would wait 5 s for the connection; the scrape gives up on the backlog long before.
  const text = await registry.metrics();
  expect(text).toMatch(/^outbox_backlog 0$/m);
  expect(await logSoFar('marker-silent')).toMatch(/no answer within 1000 ms/);
});
