import { buildServiceApp, type ServiceApp } from '@platform/service-kit';
import { ordersService } from '@platform/orders/dist/app';
import { usersService } from '@platform/users/dist/app';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { fuzzRoutes, routesOf } from '../harness/schema-fuzz';

/**
 * The orders app as its app.ts builds it (the kit's buildServiceApp), called with inject() on a
 * real PostgreSQL of this file's own. Orders asks users whether a user exists through the
 * internal load balancer's address; here that address is a users app of the same database,
 * listening on loopback. Then every orders route is fuzzed from its own schemas: any answer but
 * 2xx/4xx fails (FUZZ_SEED replays a run).
 */
const RUNS_PER_ROUTE = 300;

let pg: TestPostgres;
let users: ServiceApp<NonNullable<typeof usersService.config>>;
let orders: ServiceApp<NonNullable<typeof ordersService.config>>;

beforeAll(async () => {
  pg = await startTestPostgres({ replicas: 0, synchronous: false });
  const env = { ...pg.serviceEnv(), DB_MIGRATE_ON_START: 'true', LOG_LEVEL: 'error', LOG_TO_STDOUT: 'false' };
  users = await buildServiceApp(usersService, env);
  await users.app.listen({ host: '127.0.0.1', port: 0 });
  const address = users.app.server.address();
  const usersPort = address && typeof address === 'object' ? address.port : 0;
  orders = await buildServiceApp(ordersService, { ...env, INTERNAL_LB_ADDR: `127.0.0.1:${usersPort}` });
});

afterAll(async () => {
  await orders?.close();
  await users?.close();
  await pg?.stop();
});

const newUser = async (email: string): Promise<string> => (await users.app.inject({ method: 'POST', url: '/users', payload: { email, name: 'Buyer' } })).json<{ id: string }>().id;

test("an order is created with its total, read back and listed by user; an order for a user that does not exist is refused", async () => {
  const userId = await newUser('buyer@example.com');
  const created = await orders.app.inject({ method: 'POST', url: '/orders', payload: { userId, items: [{ sku: 'a', quantity: 2, unitPriceCents: 150 }, { sku: 'b', quantity: 1, unitPriceCents: 5 }] } });
  expect(created.statusCode).toBe(201);
  const order = created.json<{ id: string; totalCents: number }>();
  expect(order.totalCents).toBe(305);
  expect((await orders.app.inject({ url: `/orders/${order.id}` })).json()).toMatchObject({ id: order.id, userId });
  expect((await orders.app.inject({ url: `/orders?userId=${userId}` })).json()).toEqual({ items: [expect.objectContaining({ id: order.id })], next: null });
  const refused = await orders.app.inject({ method: 'POST', url: '/orders', payload: { userId: '00000000-0000-4000-8000-000000000000', items: [{ sku: 'a', quantity: 1, unitPriceCents: 1 }] } });
  expect(refused.statusCode).toBe(422);
});

test('a limit beyond what a JavaScript number holds is a 400 problem, not a database error', async () => {
  const userId = await newUser('limits@example.com');
  const res = await orders.app.inject({ url: `/orders?userId=${userId}&limit=1e400` });
  expect(res.statusCode).toBe(400);
  expect(res.headers['content-type']).toContain('application/problem+json');
});

test(`every orders route answers ${RUNS_PER_ROUTE} requests generated from its own schemas with 2xx or 4xx only`, async () => {
  const known = await Promise.all(['fuzz-1@example.com', 'fuzz-2@example.com'].map(newUser));
  const routes = await routesOf(orders.app);
  expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /orders', 'GET /orders/{id}', 'POST /orders']);
  expect(await fuzzRoutes(orders.app, 'orders', routes, { runs: RUNS_PER_ROUTE, known })).toEqual([]);
});
