import { createLogger, createServiceMetrics } from '@platform/service-kit';
import { createHttpApp } from '@platform/service-kit/dist/http/app';
import { emptyRouteTable, type Route, type RouteTable } from '@platform/gateway/dist/routing/route-table';
import { mergeOpenApi } from '@platform/gateway/dist/docs/openapi-merge';

test('every kit service serves an OpenAPI document built from its route schemas, without the plumbing routes', async () => {
  const logger = createLogger({ service: 't', instanceId: 't-1', node: 'n', level: 'error', toStdout: false });
  const app = createHttpApp({ logger, metrics: createServiceMetrics({ service: 't', instance: 't-1' }), health: { draining: false, checks: [] }, bodyLimit: 1024, openApi: { title: 'things', version: '1.2.3' } });
  await app.after();
  app.post('/things', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({}));
  const res = await app.inject({ url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const doc = res.json() as { info: unknown; paths: Record<string, { post?: { requestBody?: unknown } }> };
  expect(doc.info).toEqual({ title: 'things', version: '1.2.3' });
  expect(Object.keys(doc.paths)).toEqual(['/things']);
  expect(JSON.stringify(doc.paths['/things']?.post?.requestBody)).toContain('"required":["name"]');
});

const table = (...routes: Route[]): RouteTable => ({ ...emptyRouteTable(), routes: new Map(routes.map((r) => [r.prefix, r])) });

test('the gateway merges documents for the paths it routes to each service, namespacing components', () => {
  const routes = table(
    { prefix: '/users', service: 'users', auth: 'required', available: true },
    { prefix: '/users/reports', service: 'reports', auth: 'public', available: true },
    { prefix: '/orders', service: 'orders', auth: 'required', available: true },
  );
  const users = {
    paths: {
      '/users/{id}': { get: { operationId: 'getUser', responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } } } },
      '/users/reports/x': { get: { responses: {} } },
      '/internal/admin': { post: { responses: {} } },
    },
    components: { schemas: { User: { type: 'object', properties: { best: { $ref: '#/components/schemas/User' } } } } },
  };
  const reports = { paths: { '/users/reports/{year}': { get: { tags: ['stats'], responses: {} } } }, components: { schemas: { User: { type: 'string' } } } };
  const merged = mergeOpenApi(routes, [{ service: 'users', document: users }, { service: 'reports', document: reports }, { service: 'orders', document: undefined }], { version: '9' }) as {
    paths: Record<string, Record<string, { tags: string[]; security: unknown[]; operationId?: string }>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    'x-unavailable-services': string[];
  };
  // /users/reports/x belongs to the reports route, /internal/admin is not exposed at all.
  expect(Object.keys(merged.paths).sort()).toEqual(['/users/reports/{year}', '/users/{id}']);
  expect(merged.paths['/users/{id}']?.get).toMatchObject({ tags: ['users'], security: [{ apiKey: [] }, { bearerAuth: [] }], operationId: 'users.getUser' });
  expect(merged.paths['/users/reports/{year}']?.get).toMatchObject({ tags: ['reports', 'stats'], security: [] });
  expect(JSON.stringify(merged.paths['/users/{id}'])).toContain('#/components/schemas/users.User');
  expect(merged.components.schemas).toEqual({
    'users.User': { type: 'object', properties: { best: { $ref: '#/components/schemas/users.User' } } },
    'reports.User': { type: 'string' },
  });
  expect(Object.keys(merged.components.securitySchemes)).toEqual(['apiKey', 'bearerAuth']);
  expect(merged['x-unavailable-services']).toEqual(['orders']);
});
