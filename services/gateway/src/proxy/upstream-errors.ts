/** How a failed upstream call is reported to the caller: status, title and a detail free of internals. */
export interface UpstreamFailure {
  status: 502 | 503 | 504;
  title: string;
  detail: string;
  /** Seconds a caller should wait before retrying, for 503s. */
  retryAfter?: number;
}

/** Errors where the request never reached a service: safe to retry, and the LB is simply unreachable. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'FST_REPLY_FROM_SERVICE_UNAVAILABLE']);
const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'FST_REPLY_FROM_TIMEOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT', 'FST_REPLY_FROM_HTTP_REQUEST_TIMEOUT']);

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  // reply-from wraps undici's error; the root cause carries the telling code.
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * Maps what @fastify/reply-from and undici report to RFC 9110 semantics: could not connect is 503
 * (the service is unavailable, try again shortly), no answer in time is 504, anything else that
 * broke the exchange (reset, malformed answer) is 502.
 */
export function describeUpstreamFailure(error: unknown, service: string): UpstreamFailure {
  const codes = codesOf(error);
  if (codes.some((c) => NOT_CONNECTED.has(c))) {
    return { status: 503, title: 'Service Unavailable', detail: `The ${service} service cannot be reached right now.`, retryAfter: 1 };
  }
  if (codes.some((c) => TIMED_OUT.has(c))) {
    return { status: 504, title: 'Gateway Timeout', detail: `The ${service} service did not answer in time.` };
  }
  return { status: 502, title: 'Bad Gateway', detail: `The ${service} service did not complete its answer.` };
}

/** True for a load balancer's own 502/503/504 page (not JSON), which callers should get as a problem. */
export function isBareGatewayError(status: number, contentType: string | undefined): boolean {
  return (status === 502 || status === 503 || status === 504) && !/json/i.test(contentType ?? '');
}
