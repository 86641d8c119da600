import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Slot } from './backend-slots';
import { backendName, type BackendSpec, type LbRole } from './roles';

export interface Listener {
  host: string;
  port: number;
}

export interface RenderInput {
  role: LbRole;
  bind: Listener;
  /** The db role's second listener, for reads. */
  readBind?: Listener;
  adminSocket: string;
  /** HAProxy worker threads. */
  threads?: number;
  /** Backends with their current slots, so a reload keeps the servers as they are. */
  backends: { spec: BackendSpec; slots: readonly Slot[] }[];
}

const templates = join(__dirname, '..', 'templates');
const template = (name: string): string => readFileSync(join(templates, name), 'utf8');

const NOT_FOUND_BODY = '{"type":"about:blank","title":"Not Found","status":404,"detail":"no service is routed for this Host"}';

function renderServer(slot: Slot): string {
  // A free slot stays configured but disabled, so it can be filled at run time without a reload.
  const disabled = slot.state === 'maint' ? ' disabled' : '';
  const checkPort = slot.checkPort ? ` check port ${slot.checkPort}` : '';
  return `  server ${slot.name} ${slot.address}:${slot.port}${checkPort}${disabled}`;
}

function renderBackend({ spec, slots }: RenderInput['backends'][number]): string {
  const lines = [`backend ${spec.name}`, '  balance leastconn'];
  if (spec.checkPath) lines.push(`  option httpchk GET ${spec.checkPath}`, '  http-check expect status 200');
  return [...lines, ...slots.map(renderServer)].join('\n');
}

/**
 * What the public entry answers when the error is its own (no gateway instance, a gateway that
 * broke off or timed out): callers get problem+json there too. Requests HAProxy cannot even parse
 * still get its plain 400/408 pages: in 2.6 the H1 multiplexer answers those itself, ignoring
 * `http-error` and `errorfile` wherever they are set (checked by hand on Debian's 2.6.12; upstream
 * haproxy/haproxy#3032, fixed in 3.2).
 */
const EDGE_ERRORS: readonly { status: number; title: string; detail: string; retryAfter?: number }[] = [
  { status: 500, title: 'Internal Server Error', detail: 'the load balancer could not handle the request' },
  { status: 502, title: 'Bad Gateway', detail: 'the API gateway did not complete its answer' },
  { status: 503, title: 'Service Unavailable', detail: 'no API gateway instance can take the request right now; try again shortly', retryAfter: 1 },
  { status: 504, title: 'Gateway Timeout', detail: 'the API gateway did not answer in time' },
];

function renderEdgeErrors(): string[] {
  return EDGE_ERRORS.map(({ status, title, detail, retryAfter }) => {
    const body = JSON.stringify({ type: 'about:blank', title, status, detail });
    return `  http-error status ${status} content-type application/problem+json string '${body}'${retryAfter ? ` hdr retry-after ${retryAfter}` : ''}`;
  });
}

function renderHttpFrontend(input: RenderInput): string {
  const lines = [
    `frontend ${input.role}`,
    `  bind ${input.bind.host}:${input.bind.port}`,
    // Only idempotent methods may be retried once a request may have reached a server.
    '  http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }',
  ];
  if (input.role === 'edge') {
    lines.push('  http-request set-header X-Forwarded-Proto http', '  option forwardfor', ...renderEdgeErrors(), `  default_backend ${backendName('gateway')}`);
  } else {
    lines.push('  http-request set-var(txn.target) req.hdr(host),field(1,:),lower');
    for (const { spec } of input.backends) lines.push(`  use_backend ${spec.name} if { var(txn.target) -m str ${spec.service.toLowerCase()} }`);
    lines.push('  default_backend no_route');
  }
  return lines.join('\n');
}

function renderDbFrontends(input: RenderInput): string {
  const read = input.readBind ?? input.bind;
  return [
    ['frontend pg_write', `  bind ${input.bind.host}:${input.bind.port}`, '  default_backend pg_primary'].join('\n'),
    [
      'frontend pg_read',
      `  bind ${read.host}:${read.port}`,
      // No replica within the lag bound: reads go to the primary rather than fail.
      '  use_backend pg_primary_fallback if { nbsrv(pg_replicas) lt 1 }',
      '  default_backend pg_replicas',
    ].join('\n'),
  ].join('\n\n');
}

const NO_ROUTE = ['backend no_route', `  http-request return status 404 content-type application/problem+json string '${NOT_FOUND_BODY}'`].join('\n');

/** The whole haproxy.cfg for one load balancer: the template's global section, defaults by mode, sections. */
export function renderConfig(input: RenderInput): string {
  const db = input.role === 'db';
  const sections = [db ? renderDbFrontends(input) : renderHttpFrontend(input), ...input.backends.map(renderBackend)];
  if (input.role === 'internal') sections.push(NO_ROUTE);
  return template('haproxy.cfg')
    .replaceAll('{{role}}', input.role)
    .replaceAll('{{adminSocket}}', input.adminSocket)
    .replaceAll('{{threads}}', String(input.threads ?? 1))
    .replace('{{defaults}}', template(db ? 'defaults-tcp.cfg' : 'defaults-http.cfg').trimEnd())
    .replace('{{sections}}', sections.join('\n\n'));
}
