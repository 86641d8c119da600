import { connect } from 'node:net';

/**
 * Malformed and hostile HTTP/1.1 requests written straight to a socket (a client library would
 * refuse to send most of them), from a seeded generator so a failing run can be replayed. Traffic
 * goes to the loopback address given, bounded in count, concurrency and time.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const bytes = (rand: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));

const VALID_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const ROUTED_PATHS = ['/echo', '/echo/a', '/echo/a/b?x=1', '/open', '/open/z?q=%20', '/echo/items'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'FOO', 'G E T', 'PROPFIND', ''];
const PATHS = ['/', '/openapi.json', '/echo', '/echo/', '/echo/x/y', '/open/a?b=c&d', '/nowhere', '/echo/../open', '/echo/%2e%2e/admin', '/echo/%zz', '/echo/%E0%A4%A', '//echo', '/echo//x', '*', 'http://evil.example/echo', '/docs', '/health/ready', '/metrics', '/echo/\u00ff', '/echo?' + 'q=1&'.repeat(50), '/echo/a#b', '/echo?x#y', '/%65cho/%7ex', '/echo%2Fx', '/echo/x;y', '/echo/..%5Cx', '/echo/%2E', '/%2e%2e/echo'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data; boundary=x', '', ';;;', 'application/json\u0001'];
const BODIES = ['{"a":', '{"a":1}', '[1,2,3]', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\u0000\u0001\u0002', '{'.repeat(5000), '"' + 'x'.repeat(200) + '"', ''];

export interface FuzzCredentials {
  apiKey: string;
  jwt: string;
}

/**
 * One malformed request, as raw bytes. Half are nearly valid (a real method and route, valid
 * credentials, correct framing) so they get past the parser and authentication and exercise
 * forwarding; the other half are malformed anywhere.
 */
export function fuzzRequest(rand: Rand, creds: FuzzCredentials): Buffer {
  const sane = rand() < 0.5;
  const method = sane ? pick(rand, VALID_METHODS) : pick(rand, METHODS);
  const r = rand();
  const path = sane ? pick(rand, ROUTED_PATHS) : r < 0.05 ? `/echo/${'a'.repeat(20_000)}` : r < 0.1 ? `/${bytes(rand, 12).toString('latin1').replace(/[\r\n ]/g, '_')}` : pick(rand, PATHS);
  const version = !sane && rand() < 0.05 ? pick(rand, ['HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'HTTX/1.1']) : 'HTTP/1.1';
  const headers: string[] = [];
  if (sane || rand() < 0.9) headers.push(`Host: ${pick(rand, ['gateway', 'users', '', 'a'.repeat(300)])}`);
  const auth = sane ? rand() * 0.45 : rand();
  if (auth < 0.3) headers.push(`X-API-Key: ${creds.apiKey}`);
  else if (auth < 0.45) headers.push(`Authorization: Bearer ${creds.jwt}`);
  else if (auth < 0.55) headers.push(`Authorization: ${pick(rand, ['Bearer', 'Bearer a.b.c', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'x'.repeat(5000)])}`);
  else if (auth < 0.6) headers.push(`X-API-Key: ${bytes(rand, 16).toString('base64')}`);
  if (rand() < 0.3) headers.push(`traceparent: ${pick(rand, ['00-00000000000000000000000000000000-0000000000000000-00', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'garbage', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'])}`);
  if (rand() < 0.2) headers.push(`x-request-id: ${pick(rand, ['short', 'ok-request-id-123', 'x'.repeat(500), 'a b c'])}`);
  if (rand() < 0.05) headers.push(`X-Huge: ${'h'.repeat(Math.floor(rand() * 40_000))}`);
  if (rand() < 0.05) for (let i = 0; i < 200; i += 1) headers.push(`X-Many-${i}: ${i}`);
  if (rand() < 0.05) headers.push(pick(rand, ['Expect: 100-continue', 'Upgrade: websocket', 'Connection: Upgrade, X-Api-Key', 'TE: gzip', 'Transfer-Encoding: gzip, chunked', 'Content-Encoding: gzip', 'Bad Header: x', ': empty']));
  const contentType = pick(rand, CONTENT_TYPES);
  if (contentType) headers.push(`Content-Type: ${contentType}`);
  const body = rand() < 0.15 ? bytes(rand, Math.floor(rand() * 4096)) : Buffer.from(pick(rand, BODIES));
  const framing = sane ? rand() * 0.7 : rand();
  if (framing < 0.7) headers.push(`Content-Length: ${body.length}`);
  else if (framing < 0.8) headers.push(`Content-Length: ${pick(rand, [body.length + 10, -1, 'abc', 99999999999])}`);
  else if (framing < 0.9) headers.push('Transfer-Encoding: chunked');
  headers.push('Connection: close');
  const head = Buffer.from(`${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  const payload = framing >= 0.8 && framing < 0.9 ? Buffer.concat([Buffer.from(`${rand() < 0.5 ? body.length.toString(16) : 'zz'}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body;
  return Buffer.concat([head, payload]);
}

/**
 * One fuzzed request in a line a failure report can show: the request line and every header
 * (each cut short, so a 40 KB header stays readable), then the body's size.
 */
export function describeFuzzRequest(request: Buffer): string {
  const text = request.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [line = '', ...headers] = (end >= 0 ? text.slice(0, end) : text).split('\r\n');
  const cut = (s: string, n: number): string => JSON.stringify(s.length > n ? `${s.slice(0, n)}…(${s.length})` : s);
  const shown = headers.slice(0, 12).map((h) => cut(h, 70));
  if (headers.length > 12) shown.push(`+${headers.length - 12} more headers`);
  return `${cut(line, 120)} [${shown.join(', ')}] body ${end >= 0 ? request.length - end - 4 : 0} bytes`;
}

/** Sends raw bytes and resolves with the status code of the first response line (0: none, closed or timed out). */
export function sendRaw(host: string, port: number, data: Buffer, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      resolve(match ? Number(match[1]) : 0);
    };
    const timer = setTimeout(finish, timeoutMs);
    // write, not end: Node's HTTP server aborts requests still in flight when the client half-closes.
    socket.on('connect', () => socket.write(data));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(received)) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
  });
}
