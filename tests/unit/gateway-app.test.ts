import { freePort } from '@platform/process-runner';
import { buildServiceApp, type ServiceApp } from '@platform/service-kit';
import { gatewayService } from '@platform/gateway/dist/app';
import { fuzzRoutes, routesOf } from '../harness/schema-fuzz';

/**
 * The gateway's own routes (/docs, its JSON document and the Swagger UI's files), as its app.ts
 * builds them, fuzzed from their schemas with inject(). Callers' requests to services no longer pass
 * through the gateway: the edge HAProxy routes them, fuzzed in integration/gateway-fuzz.test.ts.
 */
const RUNS_PER_ROUTE = 200;

let gateway: ServiceApp<NonNullable<typeof gatewayService.config>>;

beforeAll(async () => {
  gateway = await buildServiceApp(gatewayService, { CONSUL_HTTP_ADDR: `127.0.0.1:${await freePort()}`, INTERNAL_LB_ADDR: `127.0.0.1:${await freePort()}`, LOG_LEVEL: 'error', LOG_TO_STDOUT: 'false' });
});

afterAll(async () => {
  await gateway?.close();
});

test(`every gateway route answers ${RUNS_PER_ROUTE} requests generated from its own schemas with 2xx or 4xx only`, async () => {
  const routes = await routesOf(gateway.app);
  expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /docs', 'GET /docs/openapi.json', 'GET /docs/ui/{asset}']));
  expect(await fuzzRoutes(gateway.app, 'gateway', routes, { runs: RUNS_PER_ROUTE })).toEqual([]);
});
