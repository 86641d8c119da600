import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Printable, short and free of separators, so a caller cannot smuggle anything into logs or headers. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The one request-id rule: a caller's id is kept when it is valid, so one request is traceable
 * across hops (HTTP and events alike); anything else, or none, gets a fresh one.
 */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Fastify's genReqId: the request id of an incoming HTTP request. */
export const requestIdFor = (req: IncomingMessage): string => requestIdFrom(req.headers[REQUEST_ID_HEADER]);
