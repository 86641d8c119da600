import { problem, returnEdgeProblem } from './edge-problems';
import type { EdgeMaps } from './edge-request-rules';

/** The stick table of per-client request rates (shared with the other edges through `peers`). */
export const CLIENT_TABLE = 'edge_clients';

const CHALLENGE = 'Bearer realm="platform", ApiKey realm="platform" header="X-API-Key"';
const NO_ERROR = '!{ var(txn.auth_error) -m found }';
/**
 * `guard` (whether the credential these rules check was sent) first, then "no error yet", then the
 * check: terms stop at the first false one, so a request without that credential costs one term.
 */
const fail = (reason: string, guard: string, check = ''): string => `  http-request set-var-fmt(txn.auth_error) "${reason}" if ${guard} ${NO_ERROR}${check ? ` ${check}` : ''}`;

/**
 * HS256 only (the signature checked as HS256 and the header's alg HS256: `none` and RS256 fail), with the
 * secret, issuer, audience and clock tolerance from the JWT map (0600; the control plane fills it).
 * exp, iss, aud and sub are required, nbf is checked when present; sub is the client id.
 */
function jwtRules(map: string): string[] {
  return [
    // The first check: no error can be set yet, so the two alternatives need no guard.
    '  http-request set-var-fmt(txn.auth_error) "The Authorization header must be \\"Bearer <token>\\"." if has_authz !one_authz || has_authz !bearer_form',
    '  http-request set-var(txn.jwt_key) str(secret),map_str(' + map + ') if has_authz',
    fail('Bearer tokens are not accepted here; send an API key in X-API-Key.', 'has_authz', '!{ var(txn.jwt_key) -m found }'),
    `  http-request set-var(txn.token) http_auth_bearer if has_authz ${NO_ERROR}`,
    `  http-request set-var(txn.jwt_sig) var(txn.token),jwt_verify("HS256",txn.jwt_key) if has_authz ${NO_ERROR}`,
    fail('Invalid bearer token: the signature does not match, or it is not HS256.', 'has_authz', '!{ var(txn.jwt_sig) -m int 1 }'),
    // jwt_verify checks the signature with the algorithm it is given, whatever the header says: the header must say it too.
    fail('Invalid bearer token: it must be signed with HS256.', 'has_authz', `!{ var(txn.token),jwt_header_query('$.alg') -m str HS256 }`),
    `  http-request set-var(txn.now) date if has_authz ${NO_ERROR}`,
    `  http-request set-var(txn.jwt_tol) str(tolerance),map_str(${map}) if has_authz ${NO_ERROR}`,
    `  http-request set-var(txn.jwt_exp) var(txn.token),jwt_payload_query('$.exp','int'),add(txn.jwt_tol),sub(txn.now) if has_authz ${NO_ERROR}`,
    fail('Invalid bearer token: it lacks exp, or has expired.', 'has_authz', '!{ var(txn.jwt_exp) -m int gt 0 }'),
    `  http-request set-var(txn.jwt_nbf) var(txn.token),jwt_payload_query('$.nbf','int'),sub(txn.jwt_tol),sub(txn.now) if has_authz ${NO_ERROR}`,
    fail('Invalid bearer token: it is not valid yet.', 'has_authz', '{ var(txn.jwt_nbf) -m int gt 0 }'),
    `  http-request set-var(txn.want) str(issuer),map_str(${map}) if has_authz ${NO_ERROR}`,
    fail('Invalid bearer token: it is for another issuer.', 'has_authz', `!{ var(txn.token),jwt_payload_query('$.iss'),strcmp(txn.want) eq 0 }`),
    `  http-request set-var(txn.want) str(audience),map_str(${map}) if has_authz ${NO_ERROR}`,
    // aud is a string or an array holding the audience.
    ...["'$.aud'", "'$.aud[0]'", "'$.aud[1]'", "'$.aud[2]'"].map((q) => `  http-request set-var(txn.aud_ok) int(1) if has_authz ${NO_ERROR} { var(txn.token),jwt_payload_query(${q}),strcmp(txn.want) eq 0 }`),
    fail('Invalid bearer token: it is for another audience.', 'has_authz', '!{ var(txn.aud_ok) -m found }'),
    `  http-request set-var(txn.client) var(txn.token),jwt_payload_query('$.sub') if has_authz ${NO_ERROR}`,
    fail('Invalid bearer token: its subject is not a valid client id.', 'has_authz', `!{ var(txn.client) -m reg ^[A-Za-z0-9._:@-]{1,128}$ }`),
  ];
}

/**
 * Who is calling. Credentials that are sent are checked on public routes too (a bad one is a 401
 * there as well); on a route that requires them, none is a 401. Only the outcome is logged.
 */
export function renderAuthRules(maps: EdgeMaps, countFailures: boolean): string[] {
  return [
    '  acl has_authz req.hdr_cnt(authorization) gt 0',
    '  acl has_key req.hdr_cnt(x-api-key) gt 0',
    '  acl one_authz req.hdr_cnt(authorization) eq 1',
    '  acl bearer_form req.fhdr(authorization) -m reg -i ^bearer\\ [A-Za-z0-9._~+/=-]+$',
    ...jwtRules(maps.jwt),
    // Keys are 43 characters; SHA-256 of the key looked up in the map of hashes.
    `  http-request set-var(txn.client) req.fhdr(x-api-key),sha2(256),hex,lower,map_str(${maps.apiKeys}) if has_key !has_authz { req.hdr_cnt(x-api-key) eq 1 } { req.fhdr(x-api-key) -m len 1:256 }`,
    fail('Invalid API key.', 'has_key !{ var(txn.client) -m found } !has_authz'),
    // The route's map value is `<service>:<required|public>` (edge-request-rules.ts).
    fail('This route requires credentials: an API key in X-API-Key or a bearer JWT in Authorization.', '!has_key !has_authz !{ var(txn.route) -m end :public }'),
    ...(countFailures ? ['  http-request sc-inc-gpc0(0) if { var(txn.auth_error) -m found }'] : []),
    returnEdgeProblem(problem(401, '%[var(txn.auth_error),json(utf8s)]', { headers: { 'www-authenticate': CHALLENGE } }), 'if { var(txn.auth_error) -m found }'),
  ];
}

/**
 * Per client id (anonymous calls to public routes: per source address), in one table for every
 * edge. The limit is the client's own from the limits map, else its `@default`; over it, 429
 * with Retry-After and X-RateLimit-* (the window is sliding, so reset is the window's length).
 */
export function renderClientLimits(maps: EdgeMaps, windowS: number): string[] {
  return [
    // The key `client:<id>` is built in the tracking rule itself (no variable to allocate per request).
    `  http-request track-sc1 str(client:),concat(,txn.client,) table ${CLIENT_TABLE} if { var(txn.client) -m found }`,
    '  http-request set-var-fmt(txn.rl_key) "ip:%[src]" unless { var(txn.client) -m found }',
    `  http-request track-sc1 var(txn.rl_key) table ${CLIENT_TABLE} if { var(txn.rl_key) -m found }`,
    `  http-request set-var(txn.limit) var(txn.client),map_str_int(${maps.limits}) if { var(txn.client) -m found }`,
    `  http-request set-var(txn.limit) str(@default),map_str_int(${maps.limits}) unless { var(txn.limit) -m found }`,
    '  http-request set-var(txn.rate) sc_http_req_rate(1)',
    '  http-request set-var(txn.left) var(txn.limit),sub(txn.rate) if { var(txn.limit) -m found }',
    '  http-request set-var(txn.left) int(0) if { var(txn.left) -m int lt 0 }',
    returnEdgeProblem(problem(429, `Rate limit of %[var(txn.limit)] requests reached; retry in ${windowS} seconds.`, { retryAfter: windowS }), 'if { var(txn.limit) -m found } { var(txn.rate),sub(txn.limit) gt 0 }'),
    '  http-after-response set-header x-ratelimit-limit %[var(txn.limit)] if { var(txn.limit) -m found }',
    '  http-after-response set-header x-ratelimit-remaining %[var(txn.left)] if { var(txn.limit) -m found }',
    `  http-after-response set-header x-ratelimit-reset ${windowS} if { var(txn.limit) -m found }`,
  ];
}

/** The table behind renderClientLimits: rates per client over the window, shared through `peers` (and so kept over a reload). */
export const clientTable = (windowS: number, peers: string): string =>
  [`backend ${CLIENT_TABLE}`, `  stick-table type string len 140 size 200k expire ${windowS}s store http_req_rate(${windowS}s) peers ${peers}`].join('\n');
