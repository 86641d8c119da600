import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServiceClient, NO_ROUTE_HEADER, requestContext, ServiceCallError } from '@platform/service-kit';

let lb: Server;
let port: number;

beforeAll(async () => {
  // Stands in for the internal load balancer: Host `users` is routed (its own 404), Host `ghost` is not.
  lb = createServer((req, res) => {
    res.statusCode = 404;
    res.setHeader('content-type', 'application/problem+json');
    if (req.headers.host === 'ghost') res.setHeader(NO_ROUTE_HEADER, '1');
    res.end(JSON.stringify({ status: 404, title: 'Not Found' }));
  });
  await new Promise<void>((resolve) => lb.listen(0, '127.0.0.1', resolve));
  port = (lb.address() as AddressInfo).port;
});

afterAll(() => lb.close());

test("a service's own 404 is its answer", async () => {
  const answer = await createServiceClient({ host: '127.0.0.1', port }).call('users', '/users/42');
  expect(answer.status).toBe(404);
});

test("the load balancer's own 404 for a service it routes no instance of is a failed call, never the service's not-found", async () => {
  await expect(createServiceClient({ host: '127.0.0.1', port }).call('ghost', '/ghost/42')).rejects.toBeInstanceOf(ServiceCallError);
});

test("a call made while serving a request carries that request's id and trace; the Host header always names the service", async () => {
  const seen: Record<string, string | string[] | undefined>[] = [];
  const echo = createServer((req, res) => {
    seen.push(req.headers);
    res.end();
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  try {
    const client = createServiceClient({ host: '127.0.0.1', port: (echo.address() as AddressInfo).port });
    const context = requestContext.fromHeaders({ 'x-request-id': 'req-abcdef12', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await requestContext.run(context, () => client.call('users', '/users/1', { headers: { host: 'elsewhere' } }));
    await client.call('users', '/users/2');
    expect(seen[0]).toMatchObject({ host: 'users', 'x-request-id': 'req-abcdef12', traceparent: `00-${context.traceId}-${context.spanId}-01` });
    expect(seen[1]?.['x-request-id']).toBeUndefined();
    expect(seen[1]?.traceparent).toBeUndefined();
  } finally {
    echo.close();
  }
});

/**
 * A server that closes a kept-alive connection as the next request arrives on it (what an HAProxy
 * reload does to the old worker's idle connections): every connection's first request is answered,
 * its second cut before any answer.
 */
async function closingAfterOneAnswer(): Promise<{ port: number; received: string[]; connections: () => number; close(): void }> {
  const received: string[] = [];
  const answered = new WeakMap<Socket, number>();
  let connections = 0;
  const server = createServer((req, res) => {
    const before = answered.get(req.socket) ?? 0;
    if (before === 1) return req.socket.destroy();
    answered.set(req.socket, before + 1);
    received.push(`${req.method} ${req.url}`);
    res.end('{}');
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received, connections: () => connections, close: () => server.close() };
}

test('an idempotent call whose kept-alive connection is closed under it is sent once more on a new one; a POST is not', async () => {
  const server = await closingAfterOneAnswer();
  try {
    const client = createServiceClient({ host: '127.0.0.1', port: server.port });
    // The agent takes a socket back once the answer has ended, a moment after the call resolves.
    const backInPool = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.call('users', '/users/1')).status).toBe(200);
    await backInPool();
    expect((await client.call('users', '/users/2')).status).toBe(200);
    // The second call met the first connection closing and went again on a second one.
    expect({ received: server.received, connections: server.connections() }).toEqual({ received: ['GET /users/1', 'GET /users/2'], connections: 2 });
    await backInPool();
    await expect(client.call('orders', '/orders', { method: 'POST', body: {} })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect({ received: server.received, connections: server.connections() }).toEqual({ received: ['GET /users/1', 'GET /users/2'], connections: 2 });
  } finally {
    server.close();
  }
});
