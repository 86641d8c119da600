import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@platform/process-runner';
import { ensureEdgeCertificate, type EdgeCertificate } from '@platform/haproxy/dist/local-ca';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startEcho, startGateway, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest, httpsGet as httpsGetFrom, type HttpAnswer } from '../harness/http-client';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import type { ServiceProcess } from '../harness/service-process';

/**
 * The public entry as `platform up` runs it: the edge HAProxy (HTTP and HTTPS with a local CA,
 * per-source limits, the gateway's data path fed by the real gateway) in front of an echo service.
 * Sources other than 127.0.0.1 are other loopback addresses (127.0.0.2, ...), as Linux allows.
 */
let consul: TestConsul;
let internal: TestLb;
let edge: TestLb;
let tlsAddr: string;
let certs: EdgeCertificate;
let secrets: GatewaySecrets;
let gateway: RunningGateway;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['alice']);
  internal = await startTestLb(consul.httpAddr, 'internal');
  const echo = await startEcho(consul.httpAddr, 'echo', '/echo');
  running.push(echo.proc);
  certs = ensureEdgeCertificate(join(mkdtempSync(join(tmpdir(), 'edge-ca-')), 'edge-tls'), []);
  tlsAddr = `127.0.0.1:${await freePort()}`;
  // The defaults for the limits: what `platform up` runs with.
  gateway = await startGateway(consul.httpAddr, internal.addr, secrets, {}, { EDGE_TLS_BIND: tlsAddr, EDGE_TLS_CERT_FILE: certs.cert, EDGE_TLS_KEY_FILE: certs.key });
  edge = gateway.edge;
  await waitFor(async () => (await viaEdge('/echo/ready', 'alice')).status === 200, { timeoutMs: 10_000, what: 'the edge to route to the gateway' });
  // The gateway's own backend (it serves /docs) comes a moment later and reloads the edge, which
  // starts its per-source counts afresh: a reload in the middle of the bad-key test let 42 guesses
  // through instead of 21. The tests start once it is there.
  await waitFor(async () => (await viaEdge('/docs', undefined)).status === 200, { timeoutMs: 20_000, what: "the edge to route /docs to the gateway's own backend" });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), gateway?.stop()]);
  await internal?.stop();
  await consul?.stop();
});

const viaEdge = (path: string, client: string | undefined, localAddress = '127.0.0.1', lb: TestLb = edge): Promise<HttpAnswer> =>
  httpRequest(lb.addr, path, { localAddress, headers: client ? { 'x-api-key': secrets.keys[client] ?? `not-a-key-${client}` } : {} });

const httpsGet = (path: string, ca?: string): Promise<HttpAnswer> => httpsGetFrom(tlsAddr, path, { ca, headers: { 'x-api-key': secrets.keys.alice ?? '' } });

test('HTTPS at the edge answers with a certificate of the platform CA, and the service learns the scheme', async () => {
  const res = await httpsGet('/echo/tls', readFileSync(certs.caCert, 'utf8'));
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toMatchObject({ url: '/echo/tls', headers: { 'x-forwarded-proto': 'https' } });
  expect(JSON.parse((await viaEdge('/echo/plain', 'alice')).body)).toMatchObject({ headers: { 'x-forwarded-proto': 'http' } });
  // A client that does not trust the platform CA refuses the connection.
  await expect(httpsGet('/echo/tls')).rejects.toThrow(/unable to (verify|get)|self.signed/);
  for (const key of [certs.key, join(edge.dir, 'edge.pem')]) expect(statSync(key).mode & 0o777).toBe(0o600);
});

test('HAProxy workers of every role run as the unprivileged haproxy user, not root', () => {
  for (const lb of [edge, internal]) {
    const users = lb.workerUsers();
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((u) => u === 'haproxy')).toBe(true);
  }
});

test("the gateway's metrics and probes are not reachable through the edge, however the path is spelled", async () => {
  const paths = ['/metrics', '/health/live', '/health/ready', '/%6detrics', '//health/ready', '/HEALTH/live', '/metrics;x', '/health%2Fready', '/metrics?format=x'];
  for (const path of paths) {
    const res = await viaEdge(path, 'alice');
    expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({ path, status: 404, type: 'application/problem+json' });
  }
  // Prometheus scrapes the gateway directly.
  expect((await fetch(`${gateway.direct}/metrics`)).status).toBe(200);
});

test('hostile paths through the edge get a 4xx or reach the service the normalised path names, never a 5xx', async () => {
  const paths = ['/echo/%2e%2e/x', '/echo/a#b', '/echo/%7ex', '//echo/x', '/echo%2Fx', '/echo/x;y', '/%65cho/x', '/echo/..%5Cx', '/echo/%zz'];
  for (const path of paths) {
    const res = await viaEdge(path, 'alice', '127.0.0.7');
    const reached = res.status === 200 ? (JSON.parse(res.body) as { url: string; headers: { host: string } }) : undefined;
    expect({ path, ok: res.status < 500, service: reached?.headers.host ?? 'none' }).toEqual({ path, ok: true, service: reached ? 'echo' : 'none' });
  }
  expect(JSON.parse((await viaEdge('/%65cho/%7ex', 'alice', '127.0.0.7')).body)).toMatchObject({ url: '/echo/~x', headers: { host: 'echo' } });
});

test('100 bad API keys from one source are throttled with 429 before they are even looked up; another source is unaffected', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 100; i += 1) statuses.push((await viaEdge('/echo/guess', `guess-${i}`, '127.0.0.2')).status);
  const throttled = await viaEdge('/echo/guess', 'still-guessing', '127.0.0.2');
  // EDGE_LIMIT_AUTH_FAILURES defaults to 20 a minute: the 21st failure is the last key looked up.
  // Within one of HAProxy's 60 s rate periods that is exact; a run crossing a period's end reads the
  // last period's count slightly decayed (integer), which lets one or two more guesses through.
  expect(statuses.slice(0, 21)).toEqual(Array.from({ length: 21 }, () => 401));
  const unauthorised = statuses.filter((s) => s === 401).length;
  expect({ unauthorised: unauthorised <= 23, throttled: statuses.filter((s) => s === 429).length }).toEqual({ unauthorised: true, throttled: 100 - unauthorised });
  expect({ status: throttled.status, type: throttled.headers['content-type'], retryAfter: throttled.headers['retry-after'] }).toEqual({ status: 429, type: 'application/problem+json', retryAfter: '60' });
  expect(JSON.parse(throttled.body)).toMatchObject({ status: 429, title: 'Too Many Requests' });
  // Even a good key from that source waits; from another source it works.
  expect((await viaEdge('/echo/ok', 'alice', '127.0.0.2')).status).toBe(429);
  expect((await viaEdge('/echo/ok', 'alice', '127.0.0.3')).status).toBe(200);
});

test('over the request rate a source gets 429 with Retry-After from the edge itself; other sources are unaffected', async () => {
  const second = await startGateway(consul.httpAddr, internal.addr, secrets, {}, { EDGE_LIMIT_REQUEST_RATE: '30' });
  const limited = second.edge;
  try {
    await waitFor(async () => (await viaEdge('/echo/ready', 'alice', '127.0.0.5', limited)).status === 200, { timeoutMs: 10_000, what: 'the second edge to route' });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await viaEdge('/echo/busy', 'alice', '127.0.0.4', limited)).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    const res = await viaEdge('/echo/busy', 'alice', '127.0.0.4', limited);
    expect(res.headers['retry-after']).toBe('10');
    expect((await viaEdge('/echo/calm', 'alice', '127.0.0.6', limited)).status).toBe(200);
  } finally {
    await second.stop();
  }
});
