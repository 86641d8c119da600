import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeLogger, createLogger, createServiceMetrics, requestContext } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function linesOf(log: (logger: ReturnType<typeof createLogger>) => Promise<void> | void, redactKeys: string[] = []): Promise<Record<string, unknown>[]> {
  const logger = createLogger({ service: 'orders', version: '1.2.3', instanceId: 'orders-n1-ab', node: 'n1', level: 'info', logDir: dir, toStdout: false, redactKeys });
  await log(logger);
  await closeLogger(logger);
  return readFileSync(join(dir, 'orders', 'orders-n1-ab.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('every line is ECS JSON with service, instance, node, level, time and a sequence', async () => {
  const [line, second] = await linesOf((logger) => {
    logger.info('order placed', { labels: { order_id: 'o-1' } });
    logger.debug('not at info level');
    logger.warn('slow');
  });
  expect(line).toMatchObject({ message: 'order placed', 'log.level': 'info', 'service.name': 'orders', 'service.version': '1.2.3', 'service.node.name': 'orders-n1-ab', 'host.name': 'n1', 'event.dataset': 'orders', labels: { order_id: 'o-1' } });
  expect(typeof line!['ecs.version']).toBe('string');
  expect(Date.parse(String(line!['@timestamp']))).not.toBeNaN();
  expect(second).toMatchObject({ message: 'slow', 'log.level': 'warn' });
  expect(Number(second!['event.sequence'])).toBeGreaterThan(Number(line!['event.sequence']));
});

test('errors keep type, message and stack; plain values under ECS object names are moved aside', async () => {
  class PaymentDeclined extends Error {}
  const [withErr, withString, withUrl] = await linesOf((logger) => {
    logger.error('charge failed', { err: new PaymentDeclined('card declined') });
    logger.warn('retrying', { error: 'timeout', http: 'weird' });
    logger.info('called', { url: '/x?token=abc' });
  });
  expect(withErr!.error).toMatchObject({ type: 'PaymentDeclined', message: 'card declined' });
  expect(String((withErr!.error as { stack_trace: string }).stack_trace)).toContain('card declined');
  expect(withString).toMatchObject({ error: { message: 'timeout' }, http_value: 'weird' });
  expect(withUrl).toMatchObject({ 'url.original': '/x?token=[REDACTED]' });
});

test('lines logged inside a request context carry its request id and trace id, even after awaits', async () => {
  const context = requestContext.fromHeaders({ 'x-request-id': 'req-abcdef12', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
  expect(context).toMatchObject({ requestId: 'req-abcdef12', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  const lines = await linesOf(async (logger) => {
    await requestContext.run(context, async () => {
      logger.info('before');
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.info('after', { out: requestContext.outgoingHeaders() });
    });
    logger.info('outside');
  });
  for (const line of lines.slice(0, 2)) expect(line).toMatchObject({ 'http.request.id': 'req-abcdef12', 'trace.id': context.traceId, 'span.id': context.spanId });
  expect(lines[1]!.out).toEqual({ 'x-request-id': 'req-abcdef12', traceparent: `00-${context.traceId}-${context.spanId}-01` });
  expect(lines[2]!['http.request.id']).toBeUndefined();
});

test('a malformed traceparent is not continued (the next span starts a new trace); an invalid request id is replaced', () => {
  const context = requestContext.fromHeaders({ 'x-request-id': 'bad id\r\n', traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
  expect(context.traceId).toBe('');
  expect(requestContext.outgoingHeaders(context)).toEqual({ 'x-request-id': context.requestId });
  expect(context.requestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('the HTTP app runs handlers in the request context and logs the completion with ECS HTTP fields', async () => {
  const lines = await linesOf(async (logger) => {
    const app = createHttpApp({ logger, metrics: createServiceMetrics({ service: 'orders', instance: 'orders-n1-ab' }), health: { draining: false, checks: [] }, bodyLimit: 4096 });
    app.post('/orders', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      logger.info('creating order', { body: request.body });
      return { ok: true };
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await app.inject({ method: 'POST', url: '/orders', headers: { 'x-request-id': 'req-12345678', traceparent, authorization: 'Bearer abc.def' }, payload: { sku: 's', password: 'pw' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-12345678');
  }, ['sku']);
  const [creating, completed] = lines;
  expect(creating).toMatchObject({ message: 'creating order', 'http.request.id': 'req-12345678', 'trace.id': '4bf92f3577b34da6a3ce929d0e0e4736', body: { sku: '[REDACTED]', password: '[REDACTED]' } });
  expect(completed).toMatchObject({ message: 'request completed', 'http.request.id': 'req-12345678', 'trace.id': '4bf92f3577b34da6a3ce929d0e0e4736', 'http.request.method': 'POST', 'http.response.status_code': 200, 'url.path': '/orders' });
  expect(creating!['span.id']).toBe(completed!['span.id']);
});

test('a later traceparent version is read by its first four fields; version 00 with extra fields is not', () => {
  const later = requestContext.fromHeaders({ traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future' });
  expect(later.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  const broken = requestContext.fromHeaders({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra' });
  expect(broken.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
});
