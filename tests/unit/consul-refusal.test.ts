import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@platform/process-runner';
import { ConsulRequestError, consulErrorKind, startBlockingQuery } from '@platform/service-kit';

/** An HTTP server standing in for an agent that refuses (429), as Consul does over its connection limit, then answers. */
let server: Server;
let addr: string;
let refusals = 3;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/kv/')) {
      res.writeHead(404, { 'x-consul-index': '12' }).end();
      return;
    }
    if (refusals > 0) {
      refusals -= 1;
      res.writeHead(429).end('Your IP is issuing too many concurrent connections, please rate limit your calls\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': '7' }).end('{"web":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => server.close());

test('a 429 is a refusal, not an outage: told apart from no answer at all, backed off, and recovered from without help', async () => {
  const errors: { kind: string; at: number; message: string }[] = [];
  const results: unknown[] = [];
  let recovered = false;
  const query = startBlockingQuery<Record<string, string[]>>({
    httpAddr: addr,
    path: '/v1/catalog/services',
    waitSeconds: 1,
    onResult: (value) => results.push(value),
    onError: (error) => errors.push({ kind: consulErrorKind(error), at: Date.now(), message: error.message }),
    onRecovered: () => (recovered = true),
  });
  try {
    await waitFor(() => results.length === 1 && recovered, { timeoutMs: 10_000, what: 'the query to recover' });
  } finally {
    query.stop();
  }
  expect(errors.map((e) => e.kind)).toEqual(['refused', 'refused', 'refused']);
  expect(errors[0]?.message).toMatch(/429: Your IP is issuing too many concurrent connections/);
  // Backed off between attempts (the first wait is 100–300 ms, then doubling), not retried at once.
  expect((errors[1]?.at ?? 0) - (errors[0]?.at ?? 0)).toBeGreaterThanOrEqual(90);
  expect(results).toEqual([{ web: [] }]);

  const noAnswer: Error[] = [];
  const dead = startBlockingQuery({ httpAddr: '127.0.0.1:1', path: '/v1/catalog/services', onResult: () => undefined, onError: (error) => noAnswer.push(error) });
  await waitFor(() => noAnswer.length > 0, { timeoutMs: 5_000, what: 'a failed attempt' });
  dead.stop();
  expect(noAnswer[0]).toBeInstanceOf(ConsulRequestError);
  expect(consulErrorKind(noAnswer[0])).toBe('unreachable');
});

test('a KV prefix with no keys (404 with an index) is an answer when the caller says what it stands for, and an error otherwise', async () => {
  const results: { value: unknown; index: string }[] = [];
  const errors: Error[] = [];
  const empty = startBlockingQuery<string[]>({ httpAddr: addr, path: '/v1/kv/platform/rollouts/?recurse=true', waitSeconds: 1, notFound: [], onResult: (value, index) => results.push({ value, index }), onError: (error) => errors.push(error) });
  const strict = startBlockingQuery<string[]>({ httpAddr: addr, path: '/v1/kv/platform/other/?recurse=true', waitSeconds: 1, onResult: () => undefined, onError: (error) => errors.push(error) });
  try {
    await waitFor(() => results.length > 0 && errors.length > 0, { timeoutMs: 5_000, what: 'both queries to be answered' });
  } finally {
    empty.stop();
    strict.stop();
  }
  expect(results[0]).toEqual({ value: [], index: '12' });
  expect(errors.every((e) => e.message.includes('/v1/kv/platform/other/') && e.message.includes('404'))).toBe(true);
});
