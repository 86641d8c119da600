/**
 * Answers HAProxy gives itself, as RFC 9457 problem+json. The edge's carry the request id it set
 * (`txn.rid`); `detail` may hold `%[...]` samples, escaped for JSON where they come from the caller.
 */
export type Problem = { status: number; title: string; detail: string; retryAfter?: number | string; headers?: Record<string, string> };

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const problem = (status: number, detail: string, extra: Omit<Problem, 'status' | 'title' | 'detail'> = {}): Problem => ({ status, title: TITLES[status] ?? 'Error', detail, ...extra });

const staticBody = ({ status, title, detail }: Problem): string => JSON.stringify({ type: 'about:blank', title, status, detail });

/** The body as an HAProxy log-format: the detail as given (samples allowed), the request id from txn.rid. */
const formatBody = ({ status, title, detail }: Problem): string => `{"type":"about:blank","title":"${title}","status":${status},"detail":"${detail}","requestId":"%[var(txn.rid)]"}`;

const extraHeaders = (p: Problem): string =>
  (p.retryAfter !== undefined ? ` hdr retry-after ${p.retryAfter}` : '') +
  Object.entries(p.headers ?? {})
    .map(([name, value]) => ` hdr ${name} '${value}'`)
    .join('');

/** A fixed problem+json answer (when `condition` holds), before any server sees the request. */
export const returnProblem = (p: Problem, condition = ''): string =>
  `  http-request return status ${p.status} content-type application/problem+json${extraHeaders(p)} string '${staticBody(p)}'${condition ? ` ${condition}` : ''}`;

/** The same with the request id and samples in the detail: the edge's answers. */
export const returnEdgeProblem = (p: Problem, condition = ''): string =>
  `  http-request return status ${p.status} content-type application/problem+json${extraHeaders(p)} lf-string '${formatBody(p)}'${condition ? ` ${condition}` : ''}`;

/** HAProxy's own error of this status (no server, a broken or late answer) as the edge's problem. */
export const edgeHttpError = (p: Problem): string => `  http-error status ${p.status} content-type application/problem+json lf-string '${formatBody(p)}'${extraHeaders(p)}`;
