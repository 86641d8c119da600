import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';

/**
 * Requests for every route of an app, generated from the JSON schemas the route declares (read
 * back from the app's own GET /openapi.json, so a new route is fuzzed without being listed here).
 * About half the values are valid for their schema, so requests get past validation to the
 * handler and the database; the rest are hostile: wrong types, numbers out of any range, strings
 * that look like numbers, injection text, extra fields.
 */
export interface JsonSchema {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface FuzzRoute {
  method: string;
  /** OpenAPI form: /users/{id}. */
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Every documented route of the app, with its parameter and body schemas. */
export async function routesOf(app: FastifyInstance): Promise<FuzzRoute[]> {
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, OpenApiOperation>> };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema })),
  );
}

/** A number written into JSON text as it is, so values JSON.stringify cannot produce (1e400) reach the parser. */
class RawNumber {
  constructor(readonly text: string) {}
}

/** Numbers at and past every edge JavaScript and PostgreSQL have, as query text would carry them. */
const HOSTILE_NUMBER_TEXT = ['1e400', '-1e400', '9007199254740993', '-9007199254740993', '1e21', '9223372036854775808', '2147483648', 'NaN', 'Infinity', '-0', '0x10', '1.5', ' 7', '1e2', '0b11', '00000000001'];
const HOSTILE_TEXT = ['', ' ', 'null', 'true', '[]', '{}', "' OR '1'='1", '"; DROP TABLE users; --', '../../etc/passwd', '%00', '\u0000', '\uffff', '\ud800', 'é'.repeat(300), 'x'.repeat(5_000), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
const HOSTILE_JSON: unknown[] = [null, true, false, 0, -1, 1.5, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, '', 'x', [], {}, [null], { __proto__: { polluted: true } }, new RawNumber('1e400'), new RawNumber('-1e400'), new RawNumber('123456789012345678901234567890')];

const hostileText = (): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...HOSTILE_NUMBER_TEXT, ...HOSTILE_TEXT), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));

/** Values valid for the schema (as far as a generator can tell), strings for path and query. */
function validText(schema: JsonSchema | undefined, known: readonly string[]): fc.Arbitrary<string> {
  switch (schema?.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }).map(String);
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }).map(String);
    case 'boolean':
      return fc.constantFrom('true', 'false');
    default:
      if (schema?.format === 'uuid') return known.length > 0 ? fc.oneof(fc.uuid(), fc.constantFrom(...known)) : fc.uuid();
      if (schema?.format === 'email') return fc.emailAddress();
      return fc.string({ minLength: schema?.minLength ?? 0, maxLength: Math.min(schema?.maxLength ?? 30, 30) });
  }
}

function validJson(schema: JsonSchema | undefined, known: readonly string[], depth: number): fc.Arbitrary<unknown> {
  switch (schema?.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(jsonFor(schema.items, known, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'object': {
      const props = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, jsonFor(s, known, depth + 1)]));
      return fc.record(props, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    default:
      return validText(schema, known);
  }
}

/** Mostly valid values, with hostile ones mixed in at every level of the document. */
function jsonFor(schema: JsonSchema | undefined, known: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  // Rarer below the top, so a document with several fields is often valid as a whole.
  return fc.oneof({ weight: depth === 0 ? 3 : 12, arbitrary: validJson(schema, known, depth) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...HOSTILE_JSON), hostileText()) });
}

function textFor(schema: JsonSchema | undefined, known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: validText(schema, known) }, { weight: 2, arbitrary: hostileText() });
}

function toJsonText(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

const bodyText = (schema: JsonSchema | undefined, known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 8, arbitrary: jsonFor(schema, known).map(toJsonText) }, { weight: 1, arbitrary: fc.constantFrom('{', '{"a":1', '', 'null', '[1e400]', '\u0000') });

/** Percent-encoded UTF-8; a lone surrogate goes as U+FFFD, as a browser would send it. */
const encode = (text: string): string => encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** One request for the route: its path parameters, query (with an unknown key now and then) and body. */
export function requestFor(route: FuzzRoute, known: readonly string[] = []): fc.Arbitrary<InjectOptions> {
  const inPath = route.parameters.filter((p) => p.in === 'path');
  const inQuery = route.parameters.filter((p) => p.in === 'query');
  const pathValues = fc.tuple(...inPath.map((p) => textFor(p.schema, known).filter((v) => v !== '')));
  const queryValues = fc.tuple(...inQuery.map((p) => fc.option(textFor(p.schema, known), { freq: p.required ? 8 : 2 })));
  const extraQuery = fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', 'limit', '__proto__', 'a[b]'), hostileText()) });
  const body = route.body || route.method !== 'GET' ? fc.option(bodyText(route.body, known), { freq: 8 }) : fc.constant(null);
  return fc.record({ pathValues, queryValues, extraQuery, body }).map(({ pathValues: pv, queryValues: qv, extraQuery: extra, body: payload }) => {
    let url = route.path;
    inPath.forEach((p, i) => (url = url.replace(`{${p.name}}`, encode(pv[i] ?? ''))));
    const pairs = inQuery.flatMap((p, i) => (qv[i] === null || qv[i] === undefined ? [] : [[p.name, qv[i]]]));
    if (extra) pairs.push(extra);
    const query = pairs.map(([k, v]) => `${encode(k ?? '')}=${encode(v ?? '')}`).join('&');
    const options: InjectOptions = { method: route.method as InjectOptions['method'], url: query ? `${url}?${query}` : url };
    if (payload !== null) return { ...options, payload, headers: { 'content-type': 'application/json' } };
    return options;
  });
}

/** The seed of this run: FUZZ_SEED when set (to replay a failure), else a fixed one, so CI runs are reproducible. */
export const fuzzSeed = (): number => Number(process.env.FUZZ_SEED ?? 20_261_202);

/**
 * Sends `runs` generated requests to the route and fails on the first answer that is neither 2xx
 * nor 4xx (the statuses seen are returned); fast-check shrinks it to a small request and the message names the seed and the path
 * to replay it (FUZZ_SEED=<seed>).
 */
export async function fuzzRoute(app: FastifyInstance, route: FuzzRoute, options: { runs: number; known?: readonly string[] }): Promise<Map<number, number>> {
  const seed = fuzzSeed();
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(requestFor(route, options.known), async (request) => {
      const res = await app.inject(request);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500 || res.statusCode < 200 || (res.statusCode >= 300 && res.statusCode < 400)) {
        throw new Error(`${request.method} ${String(request.url)} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
      }
    }),
    { seed, numRuns: options.runs, endOnFailure: false },
  );
  return statuses;
}

/** One line per route: how many answers of each status, to see the requests reach the handlers. */
export const statusLine = (route: FuzzRoute, statuses: Map<number, number>): string =>
  `${route.method} ${route.path}: ${[...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`;

/**
 * Fuzzes every route and reports them all: a line of statuses per route on stdout, and one
 * failure per failing route (with fast-check's seed, path and shrunk request) rather than only
 * the first.
 */
export async function fuzzRoutes(app: FastifyInstance, name: string, routes: FuzzRoute[], options: { runs: number; known?: readonly string[] }): Promise<string[]> {
  const lines: string[] = [];
  const failures: string[] = [];
  for (const route of routes) {
    try {
      lines.push(statusLine(route, await fuzzRoute(app, route, options)));
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `\n${err.cause.message}` : '';
      failures.push(`${route.method} ${route.path}: ${err instanceof Error ? err.message : String(err)}${cause}`);
    }
  }
  process.stdout.write(`${name} fuzz (seed ${fuzzSeed()}, ${options.runs} requests per route):\n  ${lines.join('\n  ')}\n`);
  return failures;
}
