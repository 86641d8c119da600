import type { Socket } from 'node:net';
import type { Logger } from '../logging/logger';
import { PROBLEM_CONTENT_TYPE, type ProblemBody } from './problem';
import { requestIdFrom } from './request-id';

/** How long a connection whose request could not be parsed is still read (and dropped) after its answer. */
export const LINGER_MS = 2_000;

/** Node's parser codes that are not a 400, with what the caller is told. */
const ANSWERS: Record<string, { status: number; title: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, title: 'Request Header Fields Too Large', detail: 'The request headers are larger than this service accepts.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, title: 'Request Timeout', detail: 'The request was not sent in full in time.' },
};
const BAD_REQUEST = { status: 400, title: 'Bad Request', detail: 'The request is not valid HTTP/1.1 (its line, a header or its framing).' };

const REQUEST_ID_LINE = /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i;

/**
 * The request id the balancer sent with the refused request, when the parser got that far (the edge
 * sets one on every request, so the caller's answer and the logs name the same id); else a new one.
 */
function requestIdOf(rawPacket: unknown): string {
  return requestIdFrom(Buffer.isBuffer(rawPacket) ? REQUEST_ID_LINE.exec(rawPacket.toString('latin1'))?.[1] : undefined);
}

/** The raw HTTP/1.1 answer: no Fastify reply exists for a request its parser refused. */
function problemResponse(code: string | undefined, requestId: string): string {
  const { status, title, detail } = (code !== undefined ? ANSWERS[code] : undefined) ?? BAD_REQUEST;
  const problem: ProblemBody = { type: 'about:blank', title, status, detail, instance: '', requestId };
  const body = JSON.stringify(problem);
  return [`HTTP/1.1 ${status} ${title}`, `Content-Type: ${PROBLEM_CONTENT_TYPE}`, `Content-Length: ${Buffer.byteLength(body)}`, `x-request-id: ${problem.requestId}`, 'Connection: close', '', body].join('\r\n');
}

/**
 * Fastify's clientErrorHandler: answers what Node's HTTP parser refuses before any route sees it
 * (a control character in a header value, broken framing, headers too large), as problem+json.
 *
 * Node's default and Fastify's write the answer and destroy the socket at once. The rest of the
 * request (the body a load balancer forwards after the headers) then meets a closed socket, whose
 * kernel answers it with a TCP reset, and a load balancer still sending when the reset comes
 * drops the answer it has not read yet: the edge answered 502 (`SH--`) for a caller's bad header
 * about once in fifty such requests. So this is a lingering close, as web servers do it: the
 * answer is written with the write side closed after it, and whatever still arrives is read and
 * dropped until the peer closes its side too, or LINGER_MS passed.
 */
export function clientErrorAnswer(logger: Logger): (err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket) => void {
  // Node reports the same broken request again for every later chunk of it.
  const answered = new WeakSet<Socket>();
  return (err, socket) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    // A reset by the peer leaves nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const requestId = requestIdOf(err.rawPacket);
    logger.info('request refused by the HTTP parser', { 'error.code': err.code, 'error.message': err.message, 'http.request.id': requestId });
    if (socket.writable) socket.end(problemResponse(err.code, requestId));
    const linger = setTimeout(() => socket.destroy(), LINGER_MS);
    // Node keeps reading the socket (into its failed parser) while it is open: nothing is left unread.
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(linger));
  };
}
