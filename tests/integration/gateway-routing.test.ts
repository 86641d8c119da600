import { freePort, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { passingIds } from '../harness/consul-queries';
import { echoEntry, startGateway, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { entryPoints, spawnService, startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * Routing as self-service: the gateway's table follows what services declare in their own Consul
 * meta. No file is written between a service's start and its route answering; the tests only start
 * and stop processes.
 */
let consul: TestConsul;
let secrets: GatewaySecrets;
const running: ServiceProcess[] = [];
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
  secrets = writeGatewaySecrets(['alice']);
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), ...gateways.map((g) => g.stop())]);
  await consul?.stop();
});

test('a new service declaring a route is reachable through the gateway once it passes, and its route goes when it stops', async () => {
  const port = await freePort();
  const gateway = await startGateway(consul.httpAddr, `127.0.0.1:${port}`, secrets);
  gateways.push(gateway);
  const headers = { 'x-api-key': secrets.keys.alice ?? '' };
  expect((await fetch(`${gateway.base}/fresh/hello`, { headers })).status).toBe(404);

  const tokenFile = await consul.tokenFile('service-fresh');
  const startedAt = Date.now();
  const fresh = spawnService(echoEntry, {
    CONSUL_HTTP_ADDR: consul.httpAddr,
    CONSUL_HTTP_TOKEN_FILE: tokenFile,
    INSTANCE_ID: 'fresh-1',
    PORT: String(port),
    FIXTURE_SERVICE_NAME: 'fresh',
    FIXTURE_GATEWAY_PREFIX: '/fresh',
    DRAIN_MS: '200',
  });
  running.push(fresh);
  // Watched side by side, to tell the service's own start-up from the gateway's share of the delay.
  // Bounds for a loaded machine, not a speed claim: the figures are printed (the propagation bench measures it).
  const passing = waitFor(async () => (await passingIds(consul.httpAddr, 'fresh')).includes('fresh-1') && Date.now(), { timeoutMs: 20_000, intervalMs: 10, what: 'the new service to pass in Consul' });
  passing.catch(() => undefined);
  await waitFor(async () => (await fetch(`${gateway.base}/fresh/hello`, { headers })).status === 200, {
    timeoutMs: 20_000,
    intervalMs: 10,
    what: 'the new service to answer through the gateway',
  });
  const reachableAfterMs = Date.now() - startedAt;
  const passingAfterMs = (await passing) - startedAt;
  process.stdout.write(`new route: passing in Consul ${passingAfterMs} ms, reachable through the gateway ${reachableAfterMs} ms after the service was started\n`);

  fresh.child.signal('SIGTERM');
  expect((await fresh.child.exited).code).toBe(0);
  await waitFor(async () => (await fetch(`${gateway.base}/fresh/hello`, { headers })).status === 404, {
    timeoutMs: 5_000,
    what: 'the route to disappear once the service stopped',
  });
  // Its /docs would read from the stopped service's port: the next test's gateway serves /docs alone.
  await gateways.pop()?.stop();
});

test('/docs merges the services own OpenAPI documents for the routes the gateway exposes; users answers through the gateway', async () => {
  const usersPort = await freePort();
  const users = await startRegisteredService(entryPoints.users, 'users', consul.httpAddr, { PORT: String(usersPort), DRAIN_MS: '0' });
  running.push(users);
  // /docs fetches each service's document through INTERNAL_LB_ADDR; users itself stands in for it.
  const gateway = await startGateway(consul.httpAddr, `127.0.0.1:${usersPort}`, secrets);
  gateways.push(gateway);
  const headers = { 'x-api-key': secrets.keys.alice ?? '', 'content-type': 'application/json' };
  // /docs goes to the gateway's own backend, which the edge may get a reload after /users.
  await waitFor(async () => (await fetch(`${gateway.base}/users`, { headers })).status === 200 && (await fetch(`${gateway.base}/docs`)).status === 200, { timeoutMs: 5_000, what: 'the edge to route /users and /docs' });

  const created = await fetch(`${gateway.base}/users`, { method: 'POST', headers, body: JSON.stringify({ email: 'ada@example.com', name: 'Ada' }) });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string };
  const fetched = await fetch(`${gateway.base}/users/${user.id}`, { headers });
  expect(await fetched.json()).toMatchObject({ id: user.id, email: 'ada@example.com' });
  // The service's own validation answers through the gateway, untouched.
  expect((await fetch(`${gateway.base}/users`, { method: 'POST', headers, body: '{"email":"x"}' })).status).toBe(400);

  const docs = await fetch(`${gateway.base}/docs`);
  expect(docs.status).toBe(200);
  const doc = (await docs.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { tags: string[]; security: unknown[]; requestBody?: unknown }>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths).sort()).toEqual(['/users', '/users/{id}', '/users/{id}/stats']);
  expect(doc.paths['/users']?.post?.tags).toContain('users');
  expect(doc.paths['/users']?.post?.security).toEqual([{ apiKey: [] }, { bearerAuth: [] }]);
  // Built from the route's own schema: the body users validates is the body /docs describes.
  expect(JSON.stringify(doc.paths['/users']?.post?.requestBody)).toContain('"required":["email","name"]');
  expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearerAuth']);
});
