/**
 * The W3C Trace Context header every hop reads and passes on. OpenTelemetry's W3C propagator
 * (tracing/start-tracing.ts) is the one reader and writer of it in the services; the kit names it
 * where a header map is built by hand (event envelopes, the outbox).
 */
export const TRACEPARENT_HEADER = 'traceparent';

/**
 * Which `traceparent` headers are valid (W3C Trace Context), as regular-expression sources the
 * edge HAProxy's rules are built from (platform/haproxy), so the edge continues exactly the traces
 * the services' propagator would: tests/unit/trace-context.test.ts holds both to one list of cases.
 * Lower-case hex only; version 00 has exactly four fields, a later version may append more,
 * version ff is forbidden; neither the trace id nor the parent id may be all zeros.
 */
export const TRACEPARENT_PATTERN = '^(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}|(0[1-9a-f]|[1-9a-e][0-9a-f]|f[0-9a-e])-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?)$';
export const ZERO_TRACE_ID_PATTERN = '^..-0{32}-';
export const ZERO_PARENT_ID_PATTERN = '^..-.{32}-0{16}-';
