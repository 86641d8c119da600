import type { Listener } from './render-config';
import { backendName } from './roles';

/** Per source address; 0 turns a limit off (a load test from one address). */
export interface EdgeLimits {
  /** New connections per 10 s. */
  connRate: number;
  /** Requests per 10 s. */
  requestRate: number;
  /** Answers 401 or 403 from the gateway per minute. */
  authFailures: number;
}

export interface EdgeSettings {
  /** The HTTPS listener beside the plain one, and the PEM (certificate chain, then key) it serves. */
  tls?: { bind: Listener; pemFile: string };
  limits: EdgeLimits;
}

export type Problem = { status: number; title: string; detail: string; retryAfter?: number; headers?: Record<string, string> };

const problemBody = ({ status, title, detail }: Problem): string => JSON.stringify({ type: 'about:blank', title, status, detail });

/**
 * What the public entry answers when the error is its own (no gateway instance, a gateway that
 * broke off or timed out): callers get problem+json there too. Requests HAProxy cannot even parse
 * still get its plain 400/408 pages: in 2.6 the H1 multiplexer answers those itself, ignoring
 * `http-error` and `errorfile` wherever they are set (checked by hand on Debian's 2.6.12; upstream
 * haproxy/haproxy#3032, fixed in 3.2).
 */
const EDGE_ERRORS: readonly Problem[] = [
  { status: 500, title: 'Internal Server Error', detail: 'the load balancer could not handle the request' },
  { status: 502, title: 'Bad Gateway', detail: 'the API gateway did not complete its answer' },
  { status: 503, title: 'Service Unavailable', detail: 'no API gateway instance can take the request right now; try again shortly', retryAfter: 1 },
  { status: 504, title: 'Gateway Timeout', detail: 'the API gateway did not answer in time' },
];

const retryAfter = (problem: Problem): string =>
  (problem.retryAfter ? ` hdr retry-after ${problem.retryAfter}` : '') +
  Object.entries(problem.headers ?? {})
    .map(([name, value]) => ` hdr ${name} ${value}`)
    .join('');

/** A problem+json answer HAProxy gives itself (when `condition` holds), before any server sees the request. */
export const returnProblem = (problem: Problem, condition = ''): string =>
  `  http-request return status ${problem.status} content-type application/problem+json${retryAfter(problem)} string '${problemBody(problem)}'${condition ? ` ${condition}` : ''}`;

const TOO_MANY_REQUESTS: Problem = { status: 429, title: 'Too Many Requests', detail: 'too many connections or requests from this address; slow down', retryAfter: 10 };
const TOO_MANY_FAILURES: Problem = { status: 429, title: 'Too Many Requests', detail: 'too many failed authentications from this address; try again later', retryAfter: 60 };
const NOT_FOUND: Problem = { status: 404, title: 'Not Found', detail: 'no such route' };

/**
 * The gateway's own probe and metrics routes, however the path is spelled (encoded, doubled
 * slashes, `;` parameters, any case): Prometheus and Consul reach each instance directly, callers
 * never. The kit serves them at /metrics and /health/*.
 */
const PROBE_PATH = '{ path,url_dec -m reg -i ^/+(metrics|health)([/;]|$) }';

/**
 * Per-source limits in one stick table: connection and request rates, and failed authentications
 * (the gateway's 401/403 answers, counted on the way back). Over any of them the edge answers 429
 * itself, so a flood or a key-guessing run never reaches the gateway's authentication.
 */
function renderLimits({ connRate, requestRate, authFailures }: EdgeLimits): string[] {
  if (connRate + requestRate + authFailures === 0) return [];
  const rates = [connRate > 0 && `{ sc0_conn_rate gt ${connRate} }`, requestRate > 0 && `{ sc0_http_req_rate gt ${requestRate} }`].filter(Boolean).join(' || ');
  return [
    '  stick-table type ipv6 size 100k expire 10m store conn_rate(10s),http_req_rate(10s),gpc0,gpc0_rate(60s)',
    '  tcp-request connection track-sc0 src',
    ...(authFailures > 0 ? [returnProblem(TOO_MANY_FAILURES, `if { sc0_gpc0_rate gt ${authFailures} }`), '  http-response sc-inc-gpc0(0) if { status 401 403 }'] : []),
    ...(rates ? [returnProblem(TOO_MANY_REQUESTS, `if ${rates}`)] : []),
  ];
}

/** The public entry: plain HTTP (local use) and HTTPS, limits, then everything to the gateway. */
export function renderEdgeFrontend(bind: Listener, edge: EdgeSettings): string {
  const tls = edge.tls;
  return [
    'frontend edge',
    `  bind ${bind.host}:${bind.port}`,
    ...(tls ? [`  bind ${tls.bind.host}:${tls.bind.port} ssl crt ${tls.pemFile} alpn h2,http/1.1`] : []),
    ...renderLimits(edge.limits),
    // Only idempotent methods may be retried once a request may have reached a server.
    '  http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }',
    returnProblem(NOT_FOUND, `if ${PROBE_PATH}`),
    '  http-request set-header X-Forwarded-Proto https if { ssl_fc }',
    '  http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
    '  option forwardfor',
    ...EDGE_ERRORS.map((p) => `  http-error status ${p.status} content-type application/problem+json string '${problemBody(p)}'${retryAfter(p)}`),
    `  default_backend ${backendName('gateway')}`,
  ].join('\n');
}
