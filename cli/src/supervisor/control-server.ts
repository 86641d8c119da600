import { rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { CodedError, errorCodeOf, PlatformError } from '@platform/process-runner';

export type ControlHandler = (body: unknown) => Promise<unknown>;

/**
 * The supervisor's control channel: tiny JSON-over-HTTP on a unix socket in the state folder, so
 * only this machine's users with access to that folder can drive it and no TCP port is opened.
 */
export function startControlServer(socketPath: string, routes: Record<string, ControlHandler>): Promise<Server> {
  rmSync(socketPath, { force: true });
  const server = createServer((req, res) => {
    void readJson(req).then(async (body) => {
      const handler = routes[`${req.method} ${req.url}`];
      if (!handler) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no control route ${req.method} ${req.url}` }));
        return;
      }
      try {
        const result = await handler(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? {}));
      } catch (err) {
        // The code travels with the message, so the CLI prints the supervisor's own code.
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err instanceof Error ? err.message : String(err), code: errorCodeOf(err) }));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve(server));
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Calls the supervisor; rejects when no supervisor listens on the socket. */
export function callControl<T>(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const parsed = (text ? JSON.parse(text) : {}) as T & { error?: string; code?: string };
        if (res.statusCode === 200) resolve(parsed);
        else reject(new CodedError(errorCodeOf(parsed), parsed.error ?? `supervisor answered ${res.statusCode}`));
      });
    });
    req.on('timeout', () => req.destroy(new PlatformError('PLATFORM_SUPERVISOR_UNREACHABLE', `supervisor did not answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(err instanceof PlatformError ? err : new PlatformError('PLATFORM_SUPERVISOR_UNREACHABLE', `no supervisor answers on ${socketPath} (${err.code ?? err.message})`, { cause: err })),
    );
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
