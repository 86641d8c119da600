import { TRACEPARENT_PATTERN, ZERO_PARENT_ID_PATTERN, ZERO_TRACE_ID_PATTERN } from '@platform/service-kit';
import { renderBodyLimit } from './edge-body-rules';
import { problem, returnEdgeProblem } from './edge-problems';

/** The maps the gateway's control plane fills (services/gateway/src/edge), one file each, 0600. */
export interface EdgeMaps {
  /** `<prefix> <service>:<required|public>` */
  routes: string;
  /** `<sha256 of the key, hex> <client id>` */
  apiKeys: string;
  /** `<client id> <requests per window>`, and `@default <n>` for everyone else. */
  limits: string;
  /** `secret <HS256 key>`, `issuer <iss>`, `audience <aud>`, `tolerance <seconds>`. */
  jwt: string;
}

/** Routes are matched on at most this many segments (the control plane refuses deeper prefixes). */
export const MAX_ROUTE_SEGMENTS = 6;

/**
 * The caller's request id when it is one (the kit's rule: 8-128 of [A-Za-z0-9._:-], sent once),
 * else a new one; on the request to the service and on every answer, the edge's own included.
 */
export const REQUEST_ID_RULES = [
  '  http-request set-var(txn.rid) req.fhdr(x-request-id) if { req.hdr_cnt(x-request-id) eq 1 } { req.fhdr(x-request-id) -m reg ^[A-Za-z0-9._:-]{8,128}$ }',
  '  http-request set-var(txn.rid) uuid(4) unless { var(txn.rid) -m found }',
  '  http-request set-header x-request-id %[var(txn.rid)]',
  '  http-after-response set-header x-request-id %[var(txn.rid)]',
];

/**
 * W3C traceparent: the caller's trace (valid by the kit's rule, whose patterns these are: one
 * definition for every hop) continued with the edge's own span as the parent, else a new trace
 * with the kit's flags for a trace that starts here.
 */
const VALID_TRACEPARENT = `{ req.hdr_cnt(traceparent) eq 1 } { req.fhdr(traceparent) -m reg ${TRACEPARENT_PATTERN} } !{ req.fhdr(traceparent) -m reg ${ZERO_TRACE_ID_PATTERN} } !{ req.fhdr(traceparent) -m reg ${ZERO_PARENT_ID_PATTERN} }`;
/**
 * The edge decides for the traces it starts (flags 01 for `sampleRatio` of them, by a random
 * draw: TRACING_SAMPLE_RATIO, as the services' own roots); a caller's decision is kept.
 */
const sampling = (sampleRatio: number): string[] =>
  sampleRatio >= 1
    ? ['  http-request set-var(txn.flags) str(01) unless { var(txn.flags) -m found }']
    : [`  http-request set-var(txn.flags) str(01) if !{ var(txn.flags) -m found } { rand(1000000) lt ${Math.round(sampleRatio * 1_000_000)} }`, '  http-request set-var(txn.flags) str(00) unless { var(txn.flags) -m found }'];

const trace = (sampleRatio: number): string[] => [
  `  http-request set-var(txn.trace) req.fhdr(traceparent),field(2,-) if ${VALID_TRACEPARENT}`,
  `  http-request set-var(txn.flags) req.fhdr(traceparent),field(4,-) if ${VALID_TRACEPARENT}`,
  // The caller's span: the parent of the edge's own in the span built from its log line (edge-spans.ts).
  `  http-request set-var(txn.parent) req.fhdr(traceparent),field(3,-) if ${VALID_TRACEPARENT}`,
  '  http-request set-var(txn.trace) uuid(4),regsub(-,,g) unless { var(txn.trace) -m found }',
  ...sampling(sampleRatio),
  '  http-request set-var(txn.span) uuid(4),regsub(-,,g),bytes(0,16)',
  '  http-request set-header traceparent 00-%[var(txn.trace)]-%[var(txn.span)]-%[var(txn.flags)]',
];

/**
 * One form of the path (edge-path.lua), matched, authorised and forwarded as it is; the query as
 * sent. A `#` HAProxy's parser already refuses in the path; in the query it is refused here.
 */
const PATH = [
  // Methods are case-sensitive tokens (RFC 9110 §9.1); a service would refuse any other with a broken connection.
  returnEdgeProblem(problem(400, 'The method is not one the platform serves (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS).'), 'unless { method GET HEAD POST PUT PATCH DELETE OPTIONS }'),
  returnEdgeProblem(problem(400, 'The request target must not contain \\"#\\" (a fragment is not sent to a server).'), 'if { query -m sub \\# }'),
  // A path with no escape, no backslash and no segment starting with "." is in its one form already
  // (HAProxy's parser refuses bytes outside printable ASCII): the Lua converter would return it
  // unchanged, so it runs only for the others (it was ~10 % of the edge's time per request).
  '  http-request set-var(txn.path) path if { path -m beg / } !{ path -m sub % \\\\ /. }',
  '  http-request set-var(txn.path) path,lua.edge_path unless { var(txn.path) -m found }',
  returnEdgeProblem(problem(400, 'The request path is not valid percent-encoding, or holds \\".\\" or \\"..\\" segments.'), 'if !{ var(txn.path) -m found } || { var(txn.path) -m len 0 }'),
  // Rewriting the request line costs: only a path the converter changed is set.
  '  http-request set-path %[var(txn.path)] unless { path,strcmp(txn.path) eq 0 }',
];

/**
 * Longest prefix first: the path cut after k segments, k from the deepest a route may have down to
 * one, each an exact lookup. A prefix matches whole segments only (`/users` takes `/users/1`, not
 * `/usersx`). The map's value names the service and whether the route needs credentials.
 */
function routing(maps: EdgeMaps): string[] {
  const lookups: string[] = [];
  for (let segments = MAX_ROUTE_SEGMENTS; segments >= 1; segments -= 1) {
    const cond = segments === MAX_ROUTE_SEGMENTS ? '' : ' unless { var(txn.route) -m found }';
    lookups.push(`  http-request set-var(txn.route) var(txn.path),field(1,/,${segments + 1}),map_str(${maps.routes})${cond}`);
  }
  return [
    ...lookups,
    returnEdgeProblem(problem(404, 'No route for %[method] %[var(txn.path),json(utf8s)]'), 'unless { var(txn.route) -m found }'),
    '  http-request set-var(txn.service) var(txn.route),field(1,:)',
  ];
}

/** Trace context, the path and the route: everything between the request id and authentication. */
export function renderRequestRules(maps: EdgeMaps, bodyLimitBytes: number, traceSampleRatio = 1): string[] {
  return [
    ...trace(traceSampleRatio),
    ...PATH,
    ...routing(maps),
    ...renderBodyLimit(bodyLimitBytes),
  ];
}

/** Credentials stop here; the service learns the caller from x-client-id and its name from Host. */
export const FORWARD = [
  '  http-request del-header authorization',
  '  http-request del-header proxy-authorization',
  '  http-request del-header x-api-key',
  '  http-request del-header x-client-id',
  '  http-request set-header x-client-id %[var(txn.client)] if { var(txn.client) -m found }',
  '  http-request set-header host %[var(txn.service)]',
  '  http-request set-header X-Forwarded-Proto %[ssl_fc,iif(https,http)]',
];
