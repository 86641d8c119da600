import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InputError } from '../errors/http-errors';

/**
 * What a JSON schema cannot say but every value that reaches a handler must respect, because a
 * database or another service would fail on it instead of refusing it:
 * - numbers are finite and within JavaScript's safe integer range. Ajv coerces a query string such
 *   as `1e400` to Infinity and then skips minimum/maximum for it (they only test finite numbers),
 *   so `?limit=1e400` passed validation and PostgreSQL answered an error (a 500);
 * - strings hold no NUL character, which PostgreSQL text cannot store.
 * Only the parts a route declares a schema for are checked: the rest are the handler's own text.
 */
const PARTS = [
  ['params', 'params'],
  ['querystring', 'query'],
  ['body', 'body'],
] as const;

export function installInputLimits(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const schema = request.routeOptions.schema;
    if (!schema) return;
    for (const [part, field] of PARTS) {
      if (schema[part] === undefined) continue;
      const problem = firstOutOfLimits(request[field as keyof FastifyRequest], '');
      if (problem) throw new InputError(`${part}${problem.path} ${problem.message}`, { errors: [{ instancePath: `/${part}${problem.path}`, message: problem.message }] });
    }
  });
}

interface OutOfLimits {
  path: string;
  message: string;
}

/** The first value out of limits, depth first; iterative, so a deeply nested body cannot overflow the stack. */
export function firstOutOfLimits(root: unknown, rootPath: string): OutOfLimits | undefined {
  const stack: Array<[unknown, string]> = [[root, rootPath]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, path] = next;
    if (typeof value === 'number' && !(Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER)) {
      return { path, message: `must be a number from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` };
    }
    if (typeof value === 'string' && value.includes('\u0000')) return { path, message: 'must not contain the NUL character (U+0000)' };
    if (Array.isArray(value)) value.forEach((item, i) => stack.push([item, `${path}/${i}`]));
    else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) stack.push([item, `${path}/${key}`]);
    }
  }
  return undefined;
}
