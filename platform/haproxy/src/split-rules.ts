import { BUCKETS, CANDIDATE_PREFIX, CLIENT_ID } from './split-plan';

/** Where an anonymous browser caller keeps its bucket (the edge sets it once, HttpOnly, SameSite=Lax). */
export const BUCKET_COOKIE = 'platform_bucket';
/** 30 days: a browser keeps its side across a rollout and the next. */
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

export interface SplitRuleInput {
  /** The split map (service → weights), which the controller replaces at run time. */
  mapFile: string;
  /** The variable holding the routed service's name (`txn.service` at the edge, `txn.target` inside). */
  serviceVar: string;
  /** The sample holding the caller's client id. */
  client: string;
  /** The edge: anonymous callers get (and keep) their bucket in a cookie. */
  cookie: boolean;
}

/**
 * Chooses a side for services the split map names, leaving every other request as it was. The
 * map value is `<weight>:<always>:<never>:<candidate release>:<stable release>` (split-plan.ts):
 * X-Canary picks which weight applies, the caller's bucket below it means the candidate backend.
 * Buckets: crc32 of the client id mod 100; else the bucket cookie; else a random one (the edge
 * then sets the cookie). Leaves `txn.side` and `txn.release` for the log line.
 */
export function renderSplitRules({ mapFile, serviceVar, client, cookie }: SplitRuleInput): string[] {
  const on = '{ var(txn.split) -m found }';
  const noBucket = '!{ var(txn.bucket) -m found }';
  const rules = [
    `  http-request set-var(txn.split) var(${serviceVar}),map_str(${mapFile})`,
    `  http-request set-var(txn.split_w) var(txn.split),field(1,:) if ${on}`,
    `  http-request set-var(txn.split_w) var(txn.split),field(2,:) if ${on} { req.hdr(x-canary) -i -m str always }`,
    `  http-request set-var(txn.split_w) var(txn.split),field(3,:) if ${on} { req.hdr(x-canary) -i -m str never }`,
    `  http-request set-var(txn.bucket) ${client},crc32,mod(${BUCKETS}) if ${on} { ${client} -m reg ${CLIENT_ID.source} }`,
  ];
  if (cookie) {
    rules.push(
      `  http-request set-var(txn.bucket) req.cook(${BUCKET_COOKIE}) if ${on} ${noBucket} { req.cook(${BUCKET_COOKIE}) -m reg ^[0-9]{1,2}$ }`,
      `  http-request set-var(txn.bucket_new) bool(1) if ${on} ${noBucket}`,
    );
  }
  rules.push(
    `  http-request set-var(txn.bucket) rand(${BUCKETS}) if ${on} ${noBucket}`,
    `  http-request set-var(txn.side) str(candidate) if ${on} { var(txn.bucket),sub(txn.split_w) lt 0 }`,
    `  http-request set-var(txn.side) str(stable) if ${on} !{ var(txn.side) -m found }`,
    '  http-request set-var(txn.release) var(txn.split),field(4,:) if { var(txn.side) -m str candidate }',
    '  http-request set-var(txn.release) var(txn.split),field(5,:) if { var(txn.side) -m str stable }',
  );
  if (cookie) {
    const set = `${BUCKET_COOKIE}=%[var(txn.bucket)]; Path=/; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax`;
    rules.push(
      `  http-after-response add-header set-cookie "${set}; Secure" if { var(txn.bucket_new) -m found } { ssl_fc }`,
      `  http-after-response add-header set-cookie "${set}" if { var(txn.bucket_new) -m found } !{ ssl_fc }`,
    );
  }
  return rules;
}

/** After the split rules: the candidate side's backend (it exists beside every service's own). */
const useCandidateBackend = (serviceVar: string): string => `  use_backend ${CANDIDATE_PREFIX}%[var(${serviceVar})] if { var(txn.side) -m str candidate }`;

/** The edge: the authenticated client id, else the bucket cookie; the side and release go in its JSON log line. */
export const edgeSplit = (mapFile: string | undefined): string[] =>
  mapFile ? [...renderSplitRules({ mapFile, serviceVar: 'txn.service', client: 'var(txn.client)', cookie: true }), useCandidateBackend('txn.service')] : [];

/** Inside: the X-Client-Id the calling service forwards; the release shows as a capture in the log line, the side as the backend. */
export const internalSplit = (mapFile: string | undefined): string[] =>
  mapFile
    ? [...renderSplitRules({ mapFile, serviceVar: 'txn.target', client: 'req.hdr(x-client-id)', cookie: false }), '  http-request capture var(txn.release) len 60', useCandidateBackend('txn.target')]
    : [];
