import { buildServiceApp, type ServiceApp } from '@platform/service-kit';
import { usersService } from '@platform/users/dist/app';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { fuzzRoutes, routesOf } from '../harness/schema-fuzz';

/**
 * The users app as its app.ts builds it (the kit's buildServiceApp), called with inject() on a
 * real PostgreSQL of this file's own: the behaviour of each route, then every route fuzzed from
 * its own schemas, where any answer but 2xx/4xx fails (FUZZ_SEED replays a run).
 */
const RUNS_PER_ROUTE = 300;

let pg: TestPostgres;
let users: ServiceApp<NonNullable<typeof usersService.config>>;

beforeAll(async () => {
  pg = await startTestPostgres({ replicas: 0, synchronous: false });
  users = await buildServiceApp(usersService, { ...pg.serviceEnv(), DB_MIGRATE_ON_START: 'true', LOG_LEVEL: 'error', LOG_TO_STDOUT: 'false' });
});

afterAll(async () => {
  await users?.close();
  await pg?.stop();
});

const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => users.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

test('a user is created, read, renamed, listed and deleted; a second user with the same email is a conflict', async () => {
  const created = await inject('POST', '/users', { email: 'ada@example.com', name: 'Ada' });
  expect(created.statusCode).toBe(201);
  const { id } = created.json() as { id: string };
  expect((await inject('GET', `/users/${id}`)).json()).toMatchObject({ id, email: 'ada@example.com', name: 'Ada' });
  expect((await inject('PATCH', `/users/${id}`, { name: 'Ada L.' })).json()).toMatchObject({ name: 'Ada L.' });
  expect((await inject('POST', '/users', { email: 'ada@example.com', name: 'Other' })).statusCode).toBe(409);
  expect((await inject('GET', '/users?limit=100')).json()).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ id })]) });
  expect((await inject('DELETE', `/users/${id}`)).statusCode).toBe(204);
  expect((await inject('GET', `/users/${id}`)).statusCode).toBe(404);
});

test('a limit beyond what a JavaScript number holds, or a name with a NUL character, is a 400 problem, not a database error', async () => {
  const answers = [await inject('GET', '/users?limit=1e400'), await inject('GET', '/users?limit=-1e400'), await inject('POST', '/users', { email: 'nul@example.com', name: 'a\u0000b' })];
  for (const res of answers) {
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
  }
  expect(answers[0]?.json()).toMatchObject({ detail: `querystring/limit must be a number from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` });
});

test(`every users route answers ${RUNS_PER_ROUTE} requests generated from its own schemas with 2xx or 4xx only`, async () => {
  const known = await Promise.all(['fuzz-a@example.com', 'fuzz-b@example.com'].map(async (email) => (await inject('POST', '/users', { email, name: 'Fuzz' })).json<{ id: string }>().id));
  const routes = await routesOf(users.app);
  expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['DELETE /users/{id}', 'GET /users', 'GET /users/{id}', 'GET /users/{id}/stats', 'PATCH /users/{id}', 'POST /users']);
  expect(await fuzzRoutes(users.app, 'users', routes, { runs: RUNS_PER_ROUTE, known })).toEqual([]);
});
