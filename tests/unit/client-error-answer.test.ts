import { connect, type Socket } from 'node:net';
import { createLogger, createServiceMetrics } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';

/**
 * What a load balancer sees on a kept-alive connection when Node's parser refuses a request it
 * forwarded (HAProxy passes control characters in header values; Node does not): an answer that
 * says the connection ends, then the end — never a silent cut it could take for a reusable socket.
 */
async function listening() {
  const logger = createLogger({ service: 't', instanceId: 't-1', node: 'n', level: 'error', toStdout: false });
  const app = createHttpApp({ logger, metrics: createServiceMetrics({ service: 't', instance: 't-1' }), health: { draining: false, checks: [] }, bodyLimit: 1024 });
  app.post('/echo', async (request) => request.body);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { app, port: address.port };
}

/** Everything the server sends until it closes the connection, and how it closed (FIN or reset). */
function converse(port: number, requests: string[]): Promise<{ received: string; reset: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let reset = false;
    socket.on('connect', async () => {
      for (const r of requests) {
        socket.write(r);
        // One at a time, as a load balancer reuses a connection: the next once the answer arrived.
        const before = received.length;
        while (received.length === before && !socket.destroyed) await new Promise((ok) => setTimeout(ok, 5));
        await new Promise((ok) => setTimeout(ok, 20));
      }
    });
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ received, reset }));
    setTimeout(() => socket.destroy(), 5_000).unref();
  });
}

const ok = 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';

test('a request the parser refuses on a reused connection is answered 400 problem+json with Connection: close, and the connection ends cleanly', async () => {
  const { app, port } = await listening();
  try {
    const bad = 'POST /echo HTTP/1.1\r\nHost: t\r\nX-Request-Id: edge-id-0001\r\nContent-Type: application/json\x01\r\nContent-Length: 2\r\n\r\n{}';
    const { received, reset } = await converse(port, [ok, bad]);
    const answers = received.split(/(?=HTTP\/1\.1 \d{3} )/);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request']);
    const refusal = answers[1] ?? '';
    expect(refusal).toMatch(/\r\nConnection: close\r\n/i);
    expect(refusal).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
    // The id the balancer sent names the answer too, so the caller's id finds the service's log line.
    expect(refusal).toMatch(/\r\nx-request-id: edge-id-0001\r\n/i);
    expect(JSON.parse(refusal.split('\r\n\r\n')[1] ?? '')).toMatchObject({ status: 400, title: 'Bad Request', requestId: 'edge-id-0001' });
    expect(reset).toBe(false);
  } finally {
    await app.close();
  }
});

test('headers past the parser limit are answered 431 the same way', async () => {
  const { app, port } = await listening();
  try {
    const huge = `POST /echo HTTP/1.1\r\nHost: t\r\nX-Huge: ${'h'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`;
    const { received } = await converse(port, [huge]);
    expect(received.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(received).toMatch(/\r\nConnection: close\r\n/i);
  } finally {
    await app.close();
  }
});
