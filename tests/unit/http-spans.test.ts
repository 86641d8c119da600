import { createLogger, createServiceMetrics, probeRoute, requestContext } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';
import { clientSpanName, serverSpanName } from '@platform/service-kit/dist/tracing/http-spans';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('a server span is named by method and the route matched, by the method alone when no route matched', () => {
  expect(serverSpanName('GET', '/users/:id')).toBe('GET /users/:id');
  expect(serverSpanName('GET', undefined)).toBe('GET');
});

test('a client span names the service called and the route template, never the raw path', () => {
  expect(clientSpanName('GET', 'users', '/users/:id')).toBe('GET users /users/:id');
  expect(clientSpanName('POST', 'orders', undefined)).toBe('POST orders');
});

test("a request is served in its own span of the caller's trace; a probe continues the caller's span as sent", async () => {
  const logger = createLogger({ service: 't', instanceId: 't-1', node: 'n', level: 'error', toStdout: false });
  const app = createHttpApp({ logger, metrics: createServiceMetrics({ service: 't', instance: 't-1' }), health: { draining: false, checks: [] }, bodyLimit: 1024 });
  app.get('/things/:id', async () => requestContext.current());
  app.get('/probe', probeRoute, async () => requestContext.current());
  const served = (await app.inject({ url: '/things/7', headers: { traceparent: CALLER, 'x-request-id': 'req-abcdef12' } })).json<{ requestId: string; traceId: string; spanId: string }>();
  expect(served).toMatchObject({ requestId: 'req-abcdef12', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  expect(served.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(served.spanId).not.toBe('00f067aa0ba902b7');
  const probed = (await app.inject({ url: '/probe', headers: { traceparent: CALLER } })).json<{ traceId: string; spanId: string }>();
  expect(probed).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
  await app.close();
});
