import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger, createServiceMetrics, errorGroup, normaliseErrorMessage, topOwnFrame } from '@platform/service-kit';

const ROOT = '/srv/platform';

/** A stack as Node prints it, the top frame first. */
const stackOf = (message: string, ...frames: string[]): string => [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n');

test('numbers, uuids, hex ids and quoted values are replaced; the words stay', () => {
  expect(normaliseErrorMessage('user 42 not found after 3.5 s')).toBe('user <n> not found after <n> s');
  expect(normaliseErrorMessage('order 4bf92f35-77b3-4da6-a3ce-929d0e0e4736 has no user 9f86d081884c7d65')).toBe('order <uuid> has no user <hex>');
  expect(normaliseErrorMessage('bad pointer 0xDEADBEEF in deadbeef')).toBe('bad pointer <hex> in deadbeef');
  expect(normaliseErrorMessage(`duplicate key value violates unique constraint "users_email_key" for 'a@b.c'`)).toBe('duplicate key value violates unique constraint <str> for <str>');
  expect(normaliseErrorMessage('connect ECONNREFUSED 127.0.0.1:5432')).toBe('connect ECONNREFUSED <n>');
  expect(normaliseErrorMessage('  two\n  lines  ')).toBe('two lines');
});

test("the top frame is the service's own code, path relative, without line or column; dependencies, Node and the kit are skipped", () => {
  const stack = stackOf(
    'boom',
    'Parser.parse (/srv/platform/node_modules/pg/lib/parser.js:10:3)',
    'process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
    'async withRetry (/srv/platform/packages/service-kit/dist/db/database.js:40:9)',
    'async Object.handler (/srv/platform/services/orders/dist/routes.js:77:21)',
    'async main (/srv/platform/services/orders/dist/main.js:4:1)',
  );
  expect(topOwnFrame(stack, ROOT)).toBe('Object.handler (services/orders/dist/routes.js)');
  // Only the kit's code on the stack (a failure inside the kit): its frame stands for the group.
  expect(topOwnFrame(stackOf('x', 'new Pool (/srv/platform/node_modules/pg/index.js:1:1)', 'connect (/srv/platform/packages/service-kit/dist/db/pools.js:5:5)'), ROOT)).toBe('connect (packages/service-kit/dist/db/pools.js)');
  expect(topOwnFrame(stackOf('x', '/srv/platform/services/users/dist/main.js:3:9'), ROOT)).toBe('<anonymous> (services/users/dist/main.js)');
  expect(topOwnFrame(stackOf('x', 'Array.map (<anonymous>)', 'node:internal/main:1:1'), ROOT)).toBe('-');
});

test('the same failure with other ids, on another line, in another checkout is one group of 12 hex characters; another type, message or function is another', () => {
  const at = (root: string, line: number) => stackOf('x', `async Object.handler (${root}/services/orders/dist/routes.js:${line}:21)`);
  const first = errorGroup('TypeError', "Cannot read properties of undefined (reading 'id') for order 17", at(ROOT, 77), ROOT);
  const again = errorGroup('TypeError', "Cannot read properties of undefined (reading 'name') for order 99", at('/opt/p', 80), '/opt/p');
  expect(first.fingerprint).toMatch(/^[0-9a-f]{12}$/);
  expect(again).toEqual(first);
  expect(first).toMatchObject({ type: 'TypeError', message: 'Cannot read properties of undefined (reading <str>) for order <n>', frame: 'Object.handler (services/orders/dist/routes.js)' });
  expect(errorGroup('RangeError', first.message, at(ROOT, 77), ROOT).fingerprint).not.toBe(first.fingerprint);
  expect(errorGroup('TypeError', 'something else', at(ROOT, 77), ROOT).fingerprint).not.toBe(first.fingerprint);
  expect(errorGroup('TypeError', first.message, stackOf('x', `other (${ROOT}/services/orders/dist/routes.js:1:1)`), ROOT).fingerprint).not.toBe(first.fingerprint);
  expect(errorGroup('TypeError', first.message, undefined).frame).toBe('-');
});

test('an error line carries error.fingerprint and counts in kit_error_group_events_total; warnings and lines without an error do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fingerprint-'));
  try {
    const metrics = createServiceMetrics({ service: 'orders', instance: 'orders-n1-1' });
    const logger = createLogger({ service: 'orders', instanceId: 'orders-n1-1', node: 'n1', level: 'info', logDir: dir, toStdout: false, onErrorGroup: (g) => metrics.errorGroups.inc({ fingerprint: g.fingerprint, error_type: g.type }) });
    class PaymentDeclined extends Error {}
    logger.error('charge failed', { err: new PaymentDeclined('card 1234 declined') });
    logger.error('charge failed', { err: new PaymentDeclined('card 5678 declined') });
    logger.error('consumer gave up', { error: 'broker said 42' });
    logger.warn('retrying', { err: new Error('transient') });
    logger.error('no error object here');
    await closeLogger(logger);
    const lines = readFileSync(join(dir, 'orders', 'orders-n1-1.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { error?: { fingerprint?: string } });
    const prints = lines.map((l) => l.error?.fingerprint);
    expect(prints[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(prints[1]).toBe(prints[0]);
    expect(prints[2]).toMatch(/^[0-9a-f]{12}$/);
    expect(prints.slice(3)).toEqual([undefined, undefined]);
    const exposed = await metrics.registry.metrics();
    expect(exposed).toContain(`kit_error_group_events_total{fingerprint="${prints[0]}",error_type="PaymentDeclined",service="orders",instance="orders-n1-1"} 2`);
    expect(exposed).toContain(`kit_error_group_events_total{fingerprint="${prints[2]}",error_type="Error",service="orders",instance="orders-n1-1"} 1`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
