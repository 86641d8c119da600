import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from '../errors/http-errors';
import { isBrokenConnection } from '../db/db-errors';
import type { Logger } from '../logging/logger';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, status: number, title: string, detail: string, extensions: Record<string, unknown> = {}): FastifyReply {
  const body: ProblemBody = { type: 'about:blank', title, status, detail, instance: request.url, requestId: request.id, ...extensions };
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body);
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/**
 * The one place where errors become HTTP responses: domain errors keep their status, Fastify's
 * own client errors (validation, bad JSON, body too large) keep theirs, anything else is a 500
 * whose detail does not leak internals.
 */
export function installProblemHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) {
      return sendProblem(request, reply, error.status, error.title, error.message, error.extensions);
    }
    if (error.validation) {
      return sendProblem(request, reply, 400, 'Bad Request', error.message, { errors: error.validation });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendProblem(request, reply, status, TITLES[status] ?? 'Client Error', error.message);
    }
    if (isBrokenConnection(error)) {
      // The database went away under the request (restart, failover, network): the caller may try
      // again shortly; a change the request was making may or may not have been saved.
      logger.warn('database connection lost during the request', { requestId: request.id, method: request.method, url: request.url, error: error.message });
      reply.header('retry-after', '1');
      return sendProblem(request, reply, 503, 'Service Unavailable', 'The database could not be reached. Try again shortly; if this request was changing data, check whether it was saved before sending it again.');
    }
    logger.error('request failed', { requestId: request.id, method: request.method, url: request.url, err: error });
    return sendProblem(request, reply, 500, 'Internal Server Error', 'The server could not complete the request.');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 404, 'Not Found', `No route for ${request.method} ${request.url.split('?')[0]}`));
}
