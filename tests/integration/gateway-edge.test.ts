import { readFileSync } from 'node:fs';
import { waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { JWT_AUDIENCE, signJwt, startEcho, startGateway, validClaims, writeGatewaySecrets, type GatewaySecrets, type Problem, type RunningGateway } from '../harness/gateway';
import { chunkedRequest, httpRequest } from '../harness/http-client';
import { TRACEPARENT_CASES, traceIdOf } from '../harness/traceparent-cases';
import type { ServiceProcess } from '../harness/service-process';

/**
 * The gateway's answers at the edge: the real edge HAProxy (the data path) with the gateway process
 * filling its maps, real Consul and real kit services, which echo what reached them.
 */
let consul: TestConsul;
let secrets: GatewaySecrets;
let gateway: RunningGateway;
const running: ServiceProcess[] = [];
const BODY_LIMIT = 16_384;

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['alice', 'limited'], { limited: 3 });
  const echo = await startEcho(consul.httpAddr, 'echo', '/echo', 'required');
  const open = await startEcho(consul.httpAddr, 'open', '/open', 'public');
  gateway = await startGateway(consul.httpAddr, echo.addr, secrets, {}, { EDGE_BODY_LIMIT_BYTES: String(BODY_LIMIT), EDGE_SERVER_TIMEOUT_MS: '1000' });
  running.push(echo.proc, open.proc);
  await waitFor(async () => (await fetch(`${gateway.base}/open/ping`)).status === 200, { timeoutMs: 5_000, what: 'the gateway to route /open' });
  // The gateway's own backend (for /docs) comes with a reload once its instance passes: wait for it,
  // or the reload closes the keep-alive connection a test is about to use ("fetch failed").
  await waitFor(async () => (await fetch(`${gateway.base}/docs/openapi.json`)).status === 200, { timeoutMs: 10_000, what: 'the edge to route /docs to the gateway' });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), gateway?.stop()]);
  await consul?.stop();
});

const withKey = (client: string, headers: Record<string, string> = {}) => ({ 'x-api-key': secrets.keys[client] ?? '', ...headers });

async function expectProblem(res: Response, status: number, requestId?: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const body = (await res.json()) as Problem;
  expect(body.status).toBe(status);
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  if (requestId) expect(body.requestId).toBe(requestId);
  return body;
}

test('an unknown route is a 404 problem carrying the request id the caller sent', async () => {
  const res = await fetch(`${gateway.base}/nowhere/at/all`, { headers: withKey('alice', { 'x-request-id': 'edge-test-404-0001' }) });
  const body = await expectProblem(res, 404, 'edge-test-404-0001');
  expect(body.detail).toBe('No route for GET /nowhere/at/all');
  // A prefix only matches whole segments.
  await expectProblem(await fetch(`${gateway.base}/echoes`, { headers: withKey('alice') }), 404);
});

test('missing or invalid credentials are 401 problems, for API keys and JWTs alike', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, Record<string, string>][] = [
    ['no credentials', {}],
    ['unknown API key', { 'x-api-key': 'not-a-key-at-all' }],
    ['authorization that is not a bearer token', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['malformed JWT', { authorization: 'Bearer abc.def' }],
    ['JWT signed with another secret', { authorization: `Bearer ${signJwt('x'.repeat(48), validClaims('alice'))}` }],
    ['expired JWT', { authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims('alice', { exp: now - 60 }))}` }],
    ['JWT not valid yet', { authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims('alice', { nbf: now + 600 }))}` }],
    ['JWT for another audience', { authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims('alice', { aud: 'someone-else' }))}` }],
    ['JWT from another issuer', { authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims('alice', { iss: 'https://evil.example' }))}` }],
    ['JWT without exp', { authorization: `Bearer ${signJwt(secrets.jwtSecret, { sub: 'alice', iss: validClaims('a').iss, aud: validClaims('a').aud })}` }],
    ['unsigned JWT (alg none)', { authorization: `Bearer ${signJwt('', validClaims('alice'), { alg: 'none' }).replace(/[^.]+$/, '')}` }],
    ['JWT claiming RS256, signed with the secret', { authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims('alice'), { alg: 'RS256', typ: 'JWT' })}` }],
    ['JWT without sub', { authorization: `Bearer ${signJwt(secrets.jwtSecret, { iss: validClaims('a').iss, aud: validClaims('a').aud, exp: now + 60 })}` }],
    ['JWT whose aud array lacks the audience', { authorization: `Bearer ${signJwt(secrets.jwtSecret, validClaims('alice', { aud: ['a', 'b'] }))}` }],
    ['API key one character short', { 'x-api-key': (secrets.keys.alice ?? '').slice(0, -1) }],
    ['API key far too long', { 'x-api-key': 'k'.repeat(4_000) }],
    ['a valid API key beside a bad bearer token', { 'x-api-key': secrets.keys.alice ?? '', authorization: 'Bearer nope' }],
  ];
  for (const [what, headers] of cases) {
    const res = await fetch(`${gateway.base}/echo/thing`, { headers });
    const body = await expectProblem(res, 401);
    expect({ what, detail: body.detail.length > 0, challenge: res.headers.get('www-authenticate') }).toEqual({ what, detail: true, challenge: expect.stringContaining('Bearer') });
  }
});

test('a valid request reaches the service with the request id, a traceparent of the same trace and no credentials', async () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await fetch(`${gateway.base}/echo/things/7?color=red`, { headers: withKey('alice', { 'x-request-id': 'edge-test-valid-0001', traceparent: incoming, 'x-db-lsn': '0/16B3748' }) });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('edge-test-valid-0001');
  const echo = (await res.json()) as Echo;
  expect(echo.url).toBe('/echo/things/7?color=red');
  expect(echo.headers['x-request-id']).toBe('edge-test-valid-0001');
  expect(echo.headers.host).toBe('echo');
  expect(echo.headers['x-client-id']).toBe('alice');
  expect(echo.headers['x-db-lsn']).toBe('0/16B3748');
  expect(echo.headers['x-api-key']).toBeUndefined();
  // Same trace and flags; the gateway names itself as the parent span.
  expect(echo.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  expect(echo.headers.traceparent).not.toBe(incoming);
  // The span the service sees as its parent is the one on the edge's own log line for the request.
  const parentSpan = echo.headers.traceparent?.split('-')[2] ?? '';
  await waitFor(() => edgeLog().split('\n').some((line) => line.includes('edge-test-valid-0001') && line.includes(parentSpan)), {
    timeoutMs: 2_000,
    what: "the edge's log line for the request, with the span passed on",
  });

  // aud may be an array holding the audience.
  const inArray = signJwt(secrets.jwtSecret, validClaims('svc-array', { aud: ['other', JWT_AUDIENCE] }));
  expect((await fetch(`${gateway.base}/echo/things`, { headers: { authorization: `Bearer ${inArray}` } })).status).toBe(200);
  const jwt = signJwt(secrets.jwtSecret, validClaims('svc-reporting'));
  const viaJwt = await fetch(`${gateway.base}/echo/things`, { headers: { authorization: `Bearer ${jwt}`, traceparent: 'not-a-traceparent' } });
  expect(viaJwt.status).toBe(200);
  const echoed = (await viaJwt.json()) as Echo;
  expect(echoed.headers['x-client-id']).toBe('svc-reporting');
  expect(echoed.headers.authorization).toBeUndefined();
  expect(echoed.headers['x-request-id']).toBe(viaJwt.headers.get('x-request-id'));
  expect(echoed.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
});

test('the edge continues exactly the traces the kit would (one shared list of valid and invalid traceparent headers)', async () => {
  const verdicts = [];
  for (const { header, why } of TRACEPARENT_CASES) {
    const res = await httpRequest(gateway.edge.addr, '/echo/trace', { headers: { 'x-api-key': secrets.keys.alice ?? '', traceparent: header } });
    const forwarded = (JSON.parse(res.body) as { headers: { traceparent?: string } }).headers.traceparent ?? '';
    verdicts.push({ why, valid: traceIdOf(forwarded) === traceIdOf(header), wellFormed: /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(forwarded) });
  }
  expect(verdicts).toEqual(TRACEPARENT_CASES.map(({ why, valid }) => ({ why, valid, wellFormed: true })));
});

test('a public route needs no credentials; a client cannot pose as another through x-client-id', async () => {
  const res = await fetch(`${gateway.base}/open/hello`, { headers: { 'x-client-id': 'alice' } });
  expect(res.status).toBe(200);
  const echo = (await res.json()) as Echo;
  expect(echo.headers.host).toBe('open');
  expect(echo.headers['x-client-id']).toBeUndefined();
});

test('JSON bodies are forwarded byte for byte; malformed JSON is a 400 problem', async () => {
  const raw = '{"id": 12345678901234567890, "name":"x"}';
  const ok = await fetch(`${gateway.base}/echo/items/raw`, { method: 'POST', headers: withKey('alice', { 'content-type': 'application/json' }), body: raw });
  expect(ok.status).toBe(200);
  expect(((await ok.json()) as Echo).body).toBe(raw);

  for (const bad of ['{"a":', '{"a" 1}', '', 'null,']) {
    const res = await fetch(`${gateway.base}/echo/items`, { method: 'POST', headers: withKey('alice', { 'content-type': 'application/json', 'x-request-id': 'edge-test-json-0001' }), body: bad });
    await expectProblem(res, 400, 'edge-test-json-0001');
  }
});

test('a body over the limit is a 413 problem', async () => {
  const body = JSON.stringify({ blob: 'x'.repeat(BODY_LIMIT) });
  const res = await fetch(`${gateway.base}/echo/items`, { method: 'POST', headers: withKey('alice', { 'content-type': 'application/json' }), body });
  await expectProblem(res, 413);
});

test('a chunked body over the limit is a 413 problem too, in one chunk or many small ones; a small chunked body reaches the service', async () => {
  const key = { 'x-api-key': secrets.keys.alice ?? '' };
  const name = 'n'.repeat(2_000);
  const passed = await chunkedRequest(gateway.edge.addr, '/echo/items', JSON.stringify({ name }).match(/.{1,500}/g) ?? [], key);
  expect({ status: passed.status, name: (JSON.parse(passed.body) as { name: string }).name }).toEqual({ status: 201, name });
  const cases: [string, string[], Record<string, string>][] = [
    ['one chunk over the limit', [JSON.stringify({ blob: 'x'.repeat(BODY_LIMIT) })], {}],
    ['many small chunks over the limit', Array<string>(600).fill('x'.repeat(100)), {}],
    // Large headers leave the edge's buffer too little room to hold the whole body: refused, not passed unchecked.
    ['a body the buffer cannot hold beside large headers', Array<string>(40).fill('x'.repeat(100)), { 'x-padding': 'p'.repeat(12_000) }],
  ];
  for (const [what, chunks, headers] of cases) {
    const res = await chunkedRequest(gateway.edge.addr, '/echo/items', chunks, { ...key, ...headers });
    const body = JSON.parse(res.body) as Problem;
    expect({ what, status: res.status, type: res.headers['content-type'], requestId: body.requestId }).toEqual({ what, status: 413, type: 'application/problem+json', requestId: res.headers['x-request-id'] });
  }
});

test('over its own limit a client gets 429 problems with Retry-After; other clients are unaffected', async () => {
  const statuses: number[] = [];
  let limited: Response | undefined;
  for (let i = 0; i < 5; i += 1) {
    const res = await fetch(`${gateway.base}/echo/limited`, { headers: withKey('limited') });
    statuses.push(res.status);
    if (res.status === 429) limited = res;
    else await res.arrayBuffer();
  }
  expect(statuses).toEqual([200, 200, 200, 429, 429]);
  expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = await expectProblem(limited!, 429);
  expect(body.detail).toContain('3 requests');
  expect((await fetch(`${gateway.base}/echo/fine`, { headers: withKey('alice') })).status).toBe(200);
});

test('a service that does not answer in time is a 504 problem', async () => {
  const res = await fetch(`${gateway.base}/echo/slow?sleepMs=3000`, { headers: withKey('alice') });
  const body = await expectProblem(res, 504);
  expect(body.detail).toBe('The echo service did not answer in time.');
});

test('a route whose only instance cannot be reached is a 503 problem with Retry-After', async () => {
  const gone = await startEcho(consul.httpAddr, 'gone', '/gone', 'public');
  await waitFor(async () => (await fetch(`${gateway.base}/gone/x`)).status === 200, { timeoutMs: 5_000, what: 'the edge to route /gone' });
  gone.proc.child.signal('SIGKILL');
  await gone.proc.child.exited;
  const res = await fetch(`${gateway.base}/gone/x`, { headers: { 'x-request-id': 'edge-test-503-0001' } });
  await expectProblem(res, 503, 'edge-test-503-0001');
  expect(res.headers.get('retry-after')).toBe('1');
});

const edgeLog = (): string => readFileSync(gateway.edge.haproxyLog, 'utf8');

test('credentials never reach the edge or gateway logs', async () => {
  const jwt = signJwt(secrets.jwtSecret, validClaims('alice'));
  await (await fetch(`${gateway.base}/echo/logged?api_key=${secrets.keys.alice}`, { headers: { authorization: `Bearer ${jwt}` } })).arrayBuffer();
  await (await fetch(`${gateway.base}/echo/logged`, { headers: withKey('alice') })).arrayBuffer();
  await (await fetch(`${gateway.base}/echo/logged`, { headers: { authorization: 'Bearer not.a.valid-token' } })).arrayBuffer();
  await waitFor(() => edgeLog().includes('logged'), { timeoutMs: 2_000, what: "the edge's log lines" });
  const log = `${edgeLog()}${gateway.proc.output()}${readFileSync(gateway.edge.logFile, 'utf8')}`;
  expect(log).toContain('request completed');
  for (const secret of [secrets.keys.alice!, secrets.keys.limited!, secrets.jwtSecret, jwt, 'not.a.valid-token']) expect(log).not.toContain(secret);
});
