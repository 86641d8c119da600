import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InputError } from '@platform/service-kit';

/**
 * Bodies are forwarded as the exact bytes the caller sent: re-serialising parsed JSON would change
 * what the service receives (large integers lose precision, key order and spacing change). JSON is
 * still parsed once here, only to answer malformed JSON with a 400 at the edge instead of spending
 * an upstream round trip on it. Every other media type passes through unread (the body limit still
 * applies, 413 above it), so the gateway never answers 415 for a type the service understands.
 */
export function installBodyPassthrough(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  const checkJson = (_request: FastifyRequest, body: Buffer | string, done: (err: Error | null, body?: unknown) => void): void => {
    try {
      JSON.parse(body.toString('utf8'));
      done(null, body);
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'unparseable';
      done(new InputError(`The request body is not valid JSON: ${reason}`));
    }
  };
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, checkJson);
  scope.addContentTypeParser(/^application\/[a-z0-9.-]+\+json$/, { parseAs: 'buffer' }, checkJson);
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}
