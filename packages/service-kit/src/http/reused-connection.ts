import type { ClientRequest } from 'node:http';

/** Methods a client may send twice without changing the outcome (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * A request that met a keep-alive connection closing under it: the server (an HAProxy reload
 * closes the old worker's idle connections; an idle timeout) closed it as the request was written,
 * and it failed with a reset before any answer ("socket hang up"). RFC 9112 §9.3.1 lets a client
 * send an idempotent request again on a new connection then, as browsers and curl do; Node's agent
 * leaves it to the caller. A fresh connection failing, or a non-idempotent request, stays a failure.
 */
export function closedWhileIdle(req: ClientRequest, err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && IDEMPOTENT.has(req.method.toUpperCase());
}
