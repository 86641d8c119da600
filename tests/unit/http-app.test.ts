import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { createLogger, createServiceMetrics, NotFoundError, probeRoute } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';
import type { HealthState } from '@platform/service-kit/dist/http/health';

function buildApp(health: HealthState = { draining: false, checks: [] }) {
  const logger = createLogger({ service: 't', instanceId: 't-1', node: 'n', level: 'error', toStdout: false });
  const metrics = createServiceMetrics({ service: 't', instance: 't-1' });
  const app = createHttpApp({ logger, metrics, health, bodyLimit: 1024 });
  app.get('/things/:id', async (request) => {
    throw new NotFoundError(`thing ${(request.params as { id: string }).id} does not exist`);
  });
  app.post('/echo', async (request) => request.body);
  return app;
}

test('a valid incoming request id is kept, an invalid one replaced', async () => {
  const app = buildApp();
  const kept = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123-def' } });
  expect(kept.headers['x-request-id']).toBe('abc-123-def');
  const replaced = await app.inject({ url: '/health/live', headers: { 'x-request-id': 'bad id\r\nx: y' } });
  expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});

test('domain errors, unknown routes, bad JSON and oversize bodies are problem+json with the request id', async () => {
  const app = buildApp();
  const cases = [
    { req: { url: '/things/7' }, status: 404, detail: 'thing 7 does not exist' },
    { req: { url: '/nowhere' }, status: 404, detail: 'No route for GET /nowhere' },
    { req: { method: 'POST' as const, url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' }, status: 400 },
    { req: { method: 'POST' as const, url: '/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(2000) }) }, status: 413 },
  ];
  for (const c of cases) {
    const res = await app.inject(c.req);
    expect(res.statusCode).toBe(c.status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json() as { status: number; detail: string; requestId: string };
    expect(body.status).toBe(c.status);
    expect(body.requestId).toBe(res.headers['x-request-id']);
    if (c.detail) expect(body.detail).toBe(c.detail);
  }
});

test('readiness follows dependency checks and draining; liveness does not', async () => {
  let dbUp = true;
  const health: HealthState = { draining: false, checks: [{ name: 'db', check: async () => dbUp }] };
  const app = buildApp(health);
  expect((await app.inject({ url: '/health/ready' })).statusCode).toBe(200);
  dbUp = false;
  const unready = await app.inject({ url: '/health/ready' });
  expect(unready.statusCode).toBe(503);
  expect(unready.json()).toMatchObject({ status: 'unready', checks: [{ name: 'db', ok: false }] });
  dbUp = true;
  health.draining = true;
  const draining = await app.inject({ url: '/health/ready' });
  expect(draining.json()).toMatchObject({ status: 'draining' });
  expect(draining.headers.connection).toBe('close');
  expect((await app.inject({ url: '/health/live' })).statusCode).toBe(200);
});

test('request durations are exported by route and status', async () => {
  const app = buildApp();
  await app.inject({ url: '/things/1' });
  const metrics = await app.inject({ url: '/metrics' });
  expect(metrics.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/things\/:id"[^}]*status_code="404"[^}]*\} 1/);
  expect(metrics.body).toContain('process_cpu_user_seconds_total');
});

test('probes (health, metrics) are neither counted as traffic nor logged; an unready 503 is no error', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'http-app-'));
  const logger = createLogger({ service: 't', instanceId: 't-2', node: 'n', level: 'info', toStdout: false, logDir });
  const metrics = createServiceMetrics({ service: 't', instance: 't-2' });
  const app = createHttpApp({ logger, metrics, health: { draining: true, checks: [] }, bodyLimit: 1024 });
  app.get('/role', probeRoute, async (_request, reply) => reply.code(503).send({ role: 'replica' }));
  app.get('/work', async () => ({ done: true }));
  for (const url of ['/health/ready', '/health/live', '/role', '/metrics', '/work']) await app.inject({ url });
  const body = (await app.inject({ url: '/metrics' })).body;
  const counted = [...body.matchAll(/^http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)].map((m) => m[1]);
  expect(counted).toHaveLength(1);
  expect(counted[0]).toContain('route="/work"');
  logger.info('marker-end');
  const logFile = join(logDir, 't', 't-2.log');
  await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('marker-end'), { timeoutMs: 5_000, what: 'the log' });
  const completed = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('request completed'));
  expect(completed.map((l) => (JSON.parse(l) as { 'http.route': string })['http.route'])).toEqual(['/work']);
});

test('a database connection lost under a request is a 503 problem with Retry-After, not a 500', async () => {
  const app = buildApp();
  app.post('/things', async () => {
    // What node-postgres raises when the server shuts down under a query.
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  });
  app.get('/broken', async () => {
    throw new Error('an ordinary bug');
  });
  const lost = await app.inject({ method: 'POST', url: '/things' });
  expect(lost.statusCode).toBe(503);
  expect(lost.headers['retry-after']).toBe('1');
  expect(lost.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
  expect((lost.json() as { detail: string }).detail).toContain('check whether it was saved');
  const bug = await app.inject({ url: '/broken' });
  expect(bug.statusCode).toBe(500);
  expect((bug.json() as { detail: string }).detail).toBe('The server could not complete the request.');
});

test('values past what a schema can bound are refused with 400 after validation: non-finite or unsafe numbers, NUL characters', async () => {
  const app = buildApp();
  app.post('/limits', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } }, body: { type: 'object' } } }, async () => ({ ok: true }));
  const cases = [
    { url: '/limits?n=1e400', payload: {} },
    { url: '/limits?n=9007199254740993', payload: {} },
    { url: '/limits', payload: { deep: [{ n: 2 ** 60 }] } },
    { url: '/limits', payload: { text: 'a\u0000' } },
  ];
  for (const c of cases) {
    const res = await app.inject({ method: 'POST', url: c.url, payload: c.payload });
    expect([res.statusCode, res.headers['content-type']]).toEqual([400, expect.stringContaining('application/problem+json')]);
  }
  expect((await app.inject({ method: 'POST', url: '/limits?n=9007199254740991', payload: { n: -1.5, s: 'ok' } })).statusCode).toBe(200);
});

test("a request Node's HTTP parser refuses gets a problem+json 400, and the body still coming is read and dropped, never answered with a reset", async () => {
  const app = buildApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    // Half-open, as a load balancer's connection: the server's FIN does not stop this side from sending.
    const socket = connect({ port: (app.server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // A control character in a header value: HAProxy forwards it, Node's parser refuses it.
    socket.write(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\u0001\r\nContent-Length: 201000\r\n\r\n${'x'.repeat(1_000)}`, 'latin1');
    await waitFor(() => /^HTTP\/1\.1 400 [^]*\r\n\r\n./.test(received), { timeoutMs: 5_000, intervalMs: 10, what: 'the answer' });
    // As a load balancer does, the body goes on after the answer came: a closed socket would reset it.
    for (let i = 0; i < 20; i += 1) {
      socket.write('x'.repeat(10_000));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    socket.end();
    await closed;
    expect(error).toBeUndefined();
    expect(received).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(received).toContain('Content-Type: application/problem+json\r\n');
    const body = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as { status: number; title: string; requestId: string };
    expect(body).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    await app.close();
  }
});
