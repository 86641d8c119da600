import { namesOf, type GeneratedFile, type NewServiceOptions } from './options';

function routesSource(options: NewServiceOptions): string {
  const { base, name, routesFn } = namesOf(options);
  return `import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '@platform/service-kit';
import type { NewItem } from '../domain/item';
import type { ItemsRepo } from '../repo/items-repo';

export interface RouteLimits {
  pageLimitMax: number;
}

const itemSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'string' } },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

/**
 * ${name}'s HTTP API. Paths keep the route prefix (${base}): the gateway forwards them unchanged.
 * Every input has a JSON schema, so bad input is a 400 problem before any handler runs.
 */
export function ${routesFn}(app: FastifyInstance, repo: ItemsRepo, limits: RouteLimits): void {
  app.post<{ Body: NewItem }>(
    '${base}/items',
    {
      schema: {
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\\\S' } } },
        response: { 201: itemSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await repo.create(request.body)),
  );

  app.get<{ Params: { id: string } }>('${base}/items/:id', { schema: { params: idParams, response: { 200: itemSchema } } }, async (request) => {
    const item = await repo.get(request.params.id);
    if (!item) throw new NotFoundError(\`item \${request.params.id} does not exist\`);
    return item;
  });

  app.get<{ Querystring: { limit: number; after?: string } }>(
    '${base}/items',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: limits.pageLimitMax, default: Math.min(20, limits.pageLimitMax) }, after: { type: 'string', format: 'uuid' } },
        },
      },
    },
    async (request) => {
      const items = await repo.list(request.query.limit, request.query.after);
      const last = items.at(-1);
      return { items, next: items.length === request.query.limit && last ? last.id : null };
    },
  );
}
`;
}

function testSource(options: NewServiceOptions): string {
  const { base, name, routesFn } = namesOf(options);
  return `import { createLogger, createServiceMetrics } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';
import { createMemoryItemsRepo } from '../src/repo/items-repo';
import { ${routesFn} } from '../src/routes/${name}-routes';

/** ${name}'s routes on the kit's app, with items in memory: no socket, no database. */
function buildApp() {
  const logger = createLogger({ service: '${name}', instanceId: '${name}-test', node: 'test', level: 'error', toStdout: false });
  const metrics = createServiceMetrics({ service: '${name}', instance: '${name}-test' });
  const app = createHttpApp({ logger, metrics, health: { draining: false, checks: [] }, bodyLimit: 64 * 1024 });
  ${routesFn}(app, createMemoryItemsRepo(), { pageLimitMax: 2 });
  return app;
}

test('an item created is read back by its id and listed, a page at a time', async () => {
  const app = buildApp();
  const created = await Promise.all(['a', 'b', 'c'].map((n) => app.inject({ method: 'POST', url: '${base}/items', payload: { name: \` \${n} \` } })));
  expect(created.map((r) => r.statusCode)).toEqual([201, 201, 201]);
  const first = created[0]?.json() as { id: string; name: string };
  expect((await app.inject({ url: \`${base}/items/\${first.id}\` })).json()).toMatchObject({ id: first.id, name: first.name });
  const page = (await app.inject({ url: '${base}/items?limit=2' })).json() as { items: { id: string }[]; next: string | null };
  expect(page.items).toHaveLength(2);
  const rest = (await app.inject({ url: \`${base}/items?limit=2&after=\${page.next}\` })).json() as { items: unknown[]; next: string | null };
  expect(rest).toMatchObject({ next: null });
  expect(rest.items).toHaveLength(1);
});

test('input that breaks a schema is a 400 problem and stores nothing', async () => {
  const app = buildApp();
  for (const payload of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(201) }]) {
    const res = await app.inject({ method: 'POST', url: '${base}/items', payload });
    expect({ payload, status: res.statusCode, type: res.headers['content-type'] }).toMatchObject({ payload, status: 400, type: expect.stringContaining('application/problem+json') });
  }
  expect((await app.inject({ url: '${base}/items?limit=3' })).statusCode).toBe(400);
  expect((await app.inject({ url: '${base}/items/not-a-uuid' })).statusCode).toBe(400);
  expect((await app.inject({ url: '${base}/items' })).json()).toEqual({ items: [], next: null });
});

test('an id nobody created is a 404 problem naming it', async () => {
  const id = '00000000-0000-4000-8000-000000000000';
  const res = await buildApp().inject({ url: \`${base}/items/\${id}\` });
  expect(res.statusCode).toBe(404);
  expect(res.json()).toMatchObject({ status: 404, detail: \`item \${id} does not exist\` });
});
`;
}

/** Routes with JSON schemas, and their inject() tests (run by the repo's jest, which also looks in services/). */
export function routeFiles(options: NewServiceOptions): GeneratedFile[] {
  const { name } = namesOf(options);
  return [
    { path: `src/routes/${name}-routes.ts`, content: routesSource(options) },
    { path: `test/${name}-routes.test.ts`, content: testSource(options) },
  ];
}
