import type { IncomingHttpHeaders } from 'node:http';
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contextOf, requestContext, sendProblem, type Logger } from '@platform/service-kit';
import type { Pool } from 'undici';
import { API_KEY_HEADER } from '../auth/authenticate';
import '../request-state';
import { describeUpstreamFailure, isBareGatewayError } from './upstream-errors';

/** The authenticated client id, for services that want to know who called. */
export const CLIENT_ID_HEADER = 'x-client-id';

/**
 * Connection-level headers (RFC 9110 §7.6.1) belong to one hop; undici also refuses several of
 * them. Credentials stop at the gateway: services learn the caller from x-client-id instead.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect'];
const NOT_FORWARDED = [...HOP_BY_HOP, 'authorization', 'proxy-authorization', API_KEY_HEADER, CLIENT_ID_HEADER];

/** Which headers go upstream: the caller's, less the above, plus the target's name and the trace. */
export function upstreamHeaders(request: FastifyRequest, headers: IncomingHttpHeaders, hasBody: boolean): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const name of NOT_FORWARDED) delete out[name];
  // A body Fastify did not read (GET with a body) is not sent, so its length must not be either.
  if (!hasBody) delete out['content-length'];
  // The internal load balancer picks the backend from Host: the Consul service name, exactly.
  out.host = request.gatewayRoute?.service ?? '';
  // The gateway is a hop of its own: the caller's request id and trace, the gateway's span as parent.
  Object.assign(out, requestContext.outgoingHeaders(contextOf(request) ?? requestContext.fromHeaders(request.headers, request.id)));
  if (request.clientId !== null) out[CLIENT_ID_HEADER] = request.clientId;
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

/**
 * Registers @fastify/reply-from on the shared undici pool to the internal load balancer. The
 * gateway never retries: HAProxy retries and redispatches where that is safe, and a second layer
 * of retries here would multiply load on a struggling service.
 */
export async function installForwarding(scope: FastifyInstance, options: { pool: Pool; lbOrigin: string }): Promise<void> {
  await scope.register(replyFrom, { base: options.lbOrigin, undici: options.pool, disableRequestLogging: true });
}

/** Sends the request on to the matched route's service and streams the answer back. */
export function forward(request: FastifyRequest, reply: FastifyReply, logger: Logger): FastifyReply {
  const route = request.gatewayRoute;
  const service = route?.service ?? 'unknown';
  const hasBody = Buffer.isBuffer(request.body) && request.method !== 'GET' && request.method !== 'HEAD';
  return reply.from(request.gatewayUrl ?? undefined, {
    ...(hasBody ? { body: request.body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : {}),
    retryDelay: () => null,
    rewriteRequestHeaders: (req, headers) => upstreamHeaders(req as FastifyRequest, headers as IncomingHttpHeaders, hasBody),
    rewriteHeaders: (headers) => responseHeaders(headers as IncomingHttpHeaders),
    onResponse: (_req, res, raw) => {
      const answer = res as unknown as FastifyReply;
      // reply-from's typings call this a ServerResponse; it is undici's { statusCode, headers, stream }.
      const upstream = raw as unknown as { statusCode: number; headers: IncomingHttpHeaders; stream: NodeJS.ReadableStream };
      if (!isBareGatewayError(upstream.statusCode, upstream.headers['content-type'])) {
        answer.send(upstream.stream);
        return;
      }
      // The load balancer's own error page (no instance, timeout): give the caller a problem instead.
      upstream.stream.on('error', () => undefined);
      upstream.stream.resume();
      for (const name of ['content-length', 'content-type', 'content-encoding', 'etag', 'cache-control']) answer.removeHeader(name);
      const status = upstream.statusCode;
      if (status === 503 && !answer.hasHeader('retry-after')) answer.header('retry-after', '1');
      const detail = status === 504 ? `The ${service} service did not answer in time.` : `The ${service} service is unavailable right now.`;
      sendProblem(request, answer, status, status === 504 ? 'Gateway Timeout' : status === 503 ? 'Service Unavailable' : 'Bad Gateway', detail);
    },
    onError: (res, { error }) => {
      const answer = res as unknown as FastifyReply;
      const failure = describeUpstreamFailure(error, service);
      logger.warn('upstream call failed', { requestId: request.id, service, status: failure.status, error: error.message, cause: causeCode(error) });
      if (failure.retryAfter !== undefined) answer.header('retry-after', String(failure.retryAfter));
      sendProblem(request, answer, failure.status, failure.title, failure.detail);
    },
  });
}

function causeCode(error: Error): string | undefined {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
