import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONSOLE_CSS, CONSOLE_ICON, CONSOLE_JS } from './assets';
import type { ConsoleFeed } from './feed';
import { renderBody, renderPage } from './page';
import type { ConsoleSnapshot } from './snapshot';

export interface ConsoleServerOptions {
  port: number;
  /** Every path starts with /<token>/: only who can read the token file (0600) finds the page. */
  token: string;
  feed: ConsoleFeed;
  collect(): Promise<ConsoleSnapshot>;
}

/** No inline script, nothing from elsewhere, not framed, no referrer (the token is in the path). */
const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const sameSecret = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...HEADERS, 'content-type': `${type}; charset=utf-8` }).end(body);
}

/** Server-sent events: the rendered body at every refresh, as one JSON string per event. */
function stream(req: IncomingMessage, res: ServerResponse, feed: ConsoleFeed): void {
  res.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  res.write('retry: 2000\n\n');
  const unsubscribe = feed.subscribe((snapshot) => res.write(`event: snapshot\ndata: ${JSON.stringify(renderBody(snapshot))}\n\n`));
  req.on('close', unsubscribe);
}

/**
 * The ops console on loopback. A request must name this listener as its Host (a page elsewhere
 * cannot reach it through DNS rebinding) and carry the token; it may only read.
 */
export function startConsoleServer(options: ConsoleServerOptions): Promise<Server> {
  const hosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`]);
  const server = createServer((req, res) => {
    const parts = (req.url ?? '').split('?')[0]?.split('/') ?? [];
    const [, token = '', resource = '', ...rest] = parts;
    if (!hosts.has(req.headers.host ?? '')) return send(res, 421, 'text/plain', 'this console answers only on its loopback address\n');
    if (!sameSecret(token, options.token) || rest.length > 0) return send(res, 404, 'text/plain', 'not found; npx platform console prints the console address\n');
    // The page's files are relative to /<token>/.
    if (parts.length === 2) return void res.writeHead(308, { ...HEADERS, location: `/${token}/` }).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'the console only reads\n');
    if (resource === 'console.js') return send(res, 200, 'text/javascript', CONSOLE_JS);
    if (resource === 'console.css') return send(res, 200, 'text/css', CONSOLE_CSS);
    if (resource === 'icon.svg') return send(res, 200, 'image/svg+xml', CONSOLE_ICON);
    if (resource === 'events') return stream(req, res, options.feed);
    if (resource === '' || resource === 'snapshot.json') {
      void options.collect().then(
        (snapshot) => (resource === '' ? send(res, 200, 'text/html', renderPage(snapshot)) : send(res, 200, 'application/json', JSON.stringify(snapshot))),
        (err: unknown) => send(res, 500, 'text/plain', `could not collect the platform's state: ${err instanceof Error ? err.message : String(err)}\n`),
      );
      return;
    }
    send(res, 404, 'text/plain', 'not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve(server));
  });
}
