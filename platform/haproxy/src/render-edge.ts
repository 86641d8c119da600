import { clientTable, renderAuthRules, renderClientLimits } from './edge-auth-rules';
import { edgeHttpError, problem, returnEdgeProblem, type Problem } from './edge-problems';
import { FORWARD, renderRequestRules, REQUEST_ID_RULES, type EdgeMaps } from './edge-request-rules';
import { formatPeerAddress, type EdgePeers } from './edge-peers';
import type { Listener } from './render-config';

/** Per source address; 0 turns a limit off (a load test from one address). */
export interface EdgeLimits {
  /** New connections per 10 s. */
  connRate: number;
  /** Requests per 10 s. */
  requestRate: number;
  /** Answers 401 or 403 per minute. */
  authFailures: number;
}

/** The gateway's data path at the edge: the maps the control plane fills and the fixed limits around them. */
export interface EdgeGateway {
  maps: EdgeMaps;
  /** The Runtime API socket the gateway pushes maps through: level operator (maps, no servers), its account's. */
  controlSocket: { path: string; user?: string };
  /** edge-path.lua, loaded in the global section. */
  luaFile: string;
  bodyLimitBytes: number;
  /** Share of the traces the edge starts that are sampled (TRACING_SAMPLE_RATIO; 1 when absent). */
  traceSampleRatio?: number;
  /** How long a service may take to answer (then 504). */
  serverTimeoutMs: number;
  /** The per-client rate window, in seconds. */
  clientWindowS: number;
  /** This edge's name and every edge sharing the client table (`peers`), at least this one. */
  peers: EdgePeers;
}

export interface EdgeSettings {
  /** The HTTPS listener beside the plain one, and the PEM (certificate chain, then key) it serves. */
  tls?: { bind: Listener; pemFile: string };
  limits: EdgeLimits;
  gateway: EdgeGateway;
}

/**
 * What the edge answers when the error is HAProxy's own (no instance, a service that broke off or
 * timed out): callers get problem+json with the request id. Requests HAProxy cannot even parse
 * still get its plain 400 page: in 2.6 the H1 multiplexer answers those itself, ignoring
 * `http-error` wherever it is set (upstream haproxy/haproxy#3032, fixed in 3.2).
 */
const EDGE_ERRORS: readonly Problem[] = [
  problem(408, 'The request was not sent in full in time.'),
  problem(500, 'The load balancer could not handle the request.'),
  problem(502, 'The %[var(txn.service)] service did not complete its answer.'),
  problem(503, 'No instance of the %[var(txn.service)] service can take the request right now; try again shortly.', { retryAfter: 1 }),
  problem(504, 'The %[var(txn.service)] service did not answer in time.'),
];

const TOO_MANY_REQUESTS = problem(429, 'Too many connections or requests from this address; slow down.', { retryAfter: 10 });
const TOO_MANY_FAILURES = problem(429, 'Too many failed authentications from this address; try again later.', { retryAfter: 60 });

/**
 * Per-source limits in one stick table: connection and request rates, and failed authentications
 * (the edge's own 401s and the services' 401/403 answers). Over any of them the edge answers 429
 * before authenticating, so a flood or a key-guessing run costs no more than this lookup.
 */
function renderSourceLimits({ connRate, requestRate, authFailures }: EdgeLimits): { table: string[]; rules: string[] } {
  if (connRate + requestRate + authFailures === 0) return { table: [], rules: [] };
  const rates = [connRate > 0 && `{ sc0_conn_rate gt ${connRate} }`, requestRate > 0 && `{ sc0_http_req_rate gt ${requestRate} }`].filter(Boolean).join(' || ');
  const table = ['  stick-table type ipv6 size 100k expire 10m store conn_rate(10s),http_req_rate(10s),gpc0,gpc0_rate(60s)', '  tcp-request connection track-sc0 src'];
  const rules = [
    ...(authFailures > 0 ? [returnEdgeProblem(TOO_MANY_FAILURES, `if { sc0_gpc0_rate gt ${authFailures} }`), '  http-response sc-inc-gpc0(0) if { status 401 403 }'] : []),
    ...(rates ? [returnEdgeProblem(TOO_MANY_REQUESTS, `if ${rates}`)] : []),
  ];
  return { table, rules };
}

/**
 * One ECS-shaped JSON line per request (HAProxy's log: `<LOG_DIR>/edge/<controller>.log`, which
 * Filebeat ships, so `platform logs --request-id` shows it beside the services'). Its @timestamp is
 * when the line is written, the request completed, as for the services' lines (to the ms: 2.6 has
 * no ms_utime); a time the rules recorded would be missing on a request the HTTP parser refused,
 * which no rule sees. Then ids, client,
 * route, the side of a traffic split and its release (empty when not split), status and timings,
 * the termination state with the backend and server that answered;
 * the path without its query, so no credential sent there is logged.
 */
const LOG_FORMAT =
  `  log-format '{"@timestamp":"%[date(0,ms),div(1000),utime(%Y-%m-%dT%H:%M:%S)].%[date(0,ms),mod(1000),add(1000),regsub(^1,)]Z","log.level":"info","message":"request completed","service.name":"edge","event.dataset":"edge",` +
  `"http.request.id":"%[var(txn.rid)]","trace.id":"%[var(txn.trace)]","span.id":"%[var(txn.span)]","parent.id":"%[var(txn.parent)]","trace.flags":"%[var(txn.flags)]","client.id":"%[var(txn.client)]","service.target":"%[var(txn.service)]","split.side":"%[var(txn.side)]","service.release":"%[var(txn.release)]",` +
  `"http.request.method":"%HM","url.path":"%[var(txn.path),json(utf8s)]","http.response.status_code":%ST,"event.duration_ms":%Ta,"upstream.response_ms":%Tr,` +
  // Who ended the request and how (`SC--` with `<NOSRV>`: no server; `SH--`: the service broke off), as Filebeat's haproxy module names them.
  `"haproxy.termination_state":"%tsc","haproxy.backend_name":"%b","haproxy.server_name":"%s"}'`;

/**
 * The public entry and the gateway's data path: ids and trace context, one form of the path, the
 * longest matching route, authentication, per-client limits, then straight to the service's
 * backend (the same slots the controller fills from Consul). Every answer of its own is a problem.
 */
export function renderEdgeFrontend(bind: Listener, edge: EdgeSettings, split: readonly string[] = []): string {
  const { tls, gateway } = edge;
  const sourceLimits = renderSourceLimits(edge.limits);
  return [
    'frontend edge',
    `  bind ${bind.host}:${bind.port}`,
    ...(tls ? [`  bind ${tls.bind.host}:${tls.bind.port} ssl crt ${tls.pemFile} alpn h2,http/1.1`] : []),
    ...sourceLimits.table,
    LOG_FORMAT,
    '  option forwardfor',
    // Only idempotent methods may be retried once a request may have reached a server.
    '  http-request disable-l7-retry unless { method GET HEAD OPTIONS PUT DELETE }',
    ...REQUEST_ID_RULES,
    ...sourceLimits.rules,
    ...renderRequestRules(gateway.maps, gateway.bodyLimitBytes, gateway.traceSampleRatio),
    ...renderAuthRules(gateway.maps, edge.limits.authFailures > 0),
    ...renderClientLimits(gateway.maps, gateway.clientWindowS),
    ...FORWARD,
    ...EDGE_ERRORS.map(edgeHttpError),
    // Traffic splitting (split-rules.ts): the candidate backend for callers on that side.
    ...split,
    '  use_backend svc_%[var(txn.service)]',
    '  default_backend edge_unrouted',
  ].join('\n');
}

/** What the edge adds to the global section: the path converter, the gateway's map socket, its own name among peers. */
export const edgeGlobals = ({ gateway }: EdgeSettings): string[] => [
  `  lua-load "${gateway.luaFile}"`,
  `  stats socket ${gateway.controlSocket.path} mode 600 level operator${gateway.controlSocket.user ? ` user ${gateway.controlSocket.user}` : ''}`,
  `  localpeer ${gateway.peers.self}`,
];

/** Sections the edge needs beside its frontend: the client table, its peers (this edge at least), and where unknown backends land. */
export function renderEdgeSections(edge: EdgeSettings): string[] {
  const { peers, clientWindowS } = edge.gateway;
  const sections = [clientTable(clientWindowS, 'edge_peers'), ['peers edge_peers', ...peers.members.map((m) => `  peer ${m.name} ${formatPeerAddress(m.addr)}`)].join('\n')];
  // A route pushed before the controller's reload made its backend: 503, as for no instance.
  sections.push(['backend edge_unrouted', returnEdgeProblem(problem(503, 'No instance of the %[var(txn.service)] service can take the request right now; try again shortly.', { retryAfter: 1 }))].join('\n'));
  return sections;
}
