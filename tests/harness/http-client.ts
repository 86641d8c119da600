import { Agent, request, type IncomingMessage } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { closedWhileIdle } from '@platform/service-kit';

/** Keep-alive like a real client; fetch cannot be used here because it ignores a Host header. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The whole answer as text. */
function collect(res: IncomingMessage, resolve: (answer: HttpAnswer) => void, reject: (err: Error) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
  res.on('error', reject);
}

/**
 * One request on the shared keep-alive agent; like a browser, an idempotent one that met its kept-alive
 * connection closing (an HAProxy reload closes the old worker's idle connections) is sent once more.
 */
export function httpRequest(addr: string, path: string, options: { method?: string; host?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; localAddress?: string } = {}, again = true): Promise<HttpAnswer> {
  const [hostname, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname,
        port: Number(port),
        path,
        method: options.method ?? 'GET',
        // Another loopback source (127.0.0.x), for per-source limits.
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: { ...(options.host ? { host: options.host } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => collect(res, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', (err) => (again && closedWhileIdle(req, err) ? resolve(httpRequest(addr, path, options, false)) : reject(err)));
    req.end(options.body);
  });
}

/** One HTTPS GET that trusts only `ca` (unset: the system's roots), checking the name `localhost`. */
export function httpsGet(addr: string, path: string, options: { ca?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = tlsRequest({ host, port: Number(port), path, servername: 'localhost', headers: options.headers, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A request whose body goes as `Transfer-Encoding: chunked`, one chunk per entry of `chunks`
 * (no Content-Length): what a streaming client sends. An answer that comes before the whole body
 * was taken (a 413) is still returned; the connection is not reused.
 */
export function chunkedRequest(addr: string, path: string, chunks: readonly string[], headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const [hostname, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port: Number(port), path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers }, timeout: 10_000 }, (res) =>
      collect(res, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    // Writing after the edge answered and closed fails; the answer is what the test reads.
    req.on('error', (err) => (req.writableEnded ? undefined : reject(err)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
