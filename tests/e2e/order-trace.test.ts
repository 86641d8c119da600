import { waitFor } from '@platform/process-runner';
import type { JaegerSpan, JaegerTrace } from '@platform/jaeger';
import { field } from '@platform/opensearch';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startGateway, writeGatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import { startTestKafka, type TestKafka } from '../harness/kafka';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startTestLogging, type TestLogging } from '../harness/logging';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { platformCli } from '../harness/platform-cli';
import { entryPoints, startRegisteredService, type ServiceProcess } from '../harness/service-process';
import { startTestTracing, type TestTracing } from '../harness/tracing';

/**
 * One order request through the edge, traced end to end: every part real (edge HAProxy, orders,
 * users, PostgreSQL, Kafka, Jaeger storing in OpenSearch), spans read back through Jaeger's API.
 */
let consul: TestConsul;
let pg: TestPostgres;
let kafka: TestKafka;
let lb: TestLb;
let logging: TestLogging;
let tracing: TestTracing;
let gateway: RunningGateway;
let apiKey: string;
const running: ServiceProcess[] = [];

async function call<T>(path: string, body: unknown, requestId: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gateway.base}${path}`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  consul = await startTestConsul();
  [pg, kafka, lb, logging] = await Promise.all([startTestPostgres({ replicas: 0 }), startTestKafka(), startTestLb(consul.httpAddr, 'internal'), startTestLogging()]);
  tracing = await startTestTracing(logging.openSearch.url);
  const secrets = writeGatewaySecrets(['trace-client']);
  apiKey = secrets.keys['trace-client'] as string;
  const traced = { LOG_DIR: logging.logDir, ...tracing.serviceEnv };
  gateway = await startGateway(consul.httpAddr, lb.addr, secrets, traced, traced);
  const serviceEnv = { ...pg.serviceEnv(pg.cluster.primary), DB_MIGRATE_ON_START: 'true', KAFKA_BROKERS: kafka.brokers.join(','), DRAIN_MS: '0', ...traced };
  running.push(
    ...(await Promise.all([
      startRegisteredService(entryPoints.users, 'users', consul.httpAddr, { ...serviceEnv, INSTANCE_ID: 'users-traced' }),
      startRegisteredService(entryPoints.orders, 'orders', consul.httpAddr, { ...serviceEnv, INTERNAL_LB_ADDR: lb.addr, INSTANCE_ID: 'orders-traced' }),
    ])),
  );
  const routed = async (path: string) => (await fetch(`${gateway.base}${path}`, { headers: { 'x-api-key': apiKey } })).status === 200;
  // Orders looks its user up through the internal load balancer: users must be routed there too.
  const routedInside = async () => (await httpRequest(lb.addr, '/users?limit=1', { host: 'users' })).status === 200;
  await waitFor(async () => (await routed('/users?limit=1')) && (await routed('/orders?userId=00000000-0000-4000-8000-000000000000')) && routedInside(), {
    timeoutMs: 20_000,
    what: 'users and orders to be routed through the edge, users through the internal load balancer',
  });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(10_000)), gateway?.stop()]);
  await lb?.stop();
  await tracing?.stop();
  await Promise.all([kafka?.stop(), pg?.stop(), logging?.stop()]);
  await consul?.stop();
});

const serviceOf = (trace: JaegerTrace, span: JaegerSpan): string => trace.processes[span.processID]?.serviceName ?? '?';
const parentOf = (span: JaegerSpan): string | undefined => span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID;
const tag = (span: JaegerSpan, key: string): unknown => span.tags?.find((t) => t.key === key)?.value;

test('one order through the edge is one trace: edge → orders → users lookup and pg queries, outbox publish → the users consumer applying it', async () => {
  const user = await call<{ id: string }>('/users', { email: 'traced-order@example.com', name: 'Traced' }, 'trace-user-0000001');
  expect(user.status).toBe(201);
  const requestId = 'trace-order-0000001';
  const created = await call<{ id: string }>('/orders', { userId: user.body.id, items: [{ sku: 'sku-t', quantity: 1, unitPriceCents: 100 }] }, requestId);
  expect(created.status).toBe(201);

  // The request id names the trace in the logs (every line carries both).
  const traceId = await waitFor(async () => field((await logging.store.searchAll({ requestId })).find((l) => l.service === 'orders')?.source ?? {}, 'trace.id') as string | undefined, { timeoutMs: 15_000, what: "orders' log line of the request" });
  const trace = await waitFor(
    async () => {
      const found = await tracing.query.trace(traceId as string);
      const has = (service: string, name: RegExp) => found?.spans.some((s) => serviceOf(found, s) === service && name.test(s.operationName));
      // Every service exports on its own schedule: wait until each one's spans are in.
      const whole = found && has('edge', /^POST/) && has('orders', /^POST \/orders$/) && has('orders', /^publish /) && has('users', /^process /) && has('users', /^GET \/users\/:id$/);
      return whole ? found : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 500, what: 'the whole trace in Jaeger' },
  );
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const one = (service: string, name: RegExp): JaegerSpan => {
    const found = trace.spans.filter((s) => serviceOf(trace, s) === service && name.test(s.operationName));
    expect(found.map((s) => s.operationName)).toHaveLength(1);
    return found[0] as JaegerSpan;
  };
  const edge = one('edge', /^POST/);
  const server = one('orders', /^POST \/orders$/);
  const lookup = one('users', /^GET \/users\/:id$/);
  const publish = one('orders', /^publish orders\./);
  const apply = one('users', /^process orders\./);

  expect(parentOf(edge)).toBeUndefined();
  expect(parentOf(server)).toBe(edge.spanID);
  // orders → (its HTTP client span) → users.
  const client = byId.get(parentOf(lookup) ?? '');
  expect(client && serviceOf(trace, client)).toBe('orders');
  // Named for what it calls: the service and the route template, not the path with the user's id.
  expect(client?.operationName).toBe('GET users /users/:id');
  expect(parentOf(client as JaegerSpan)).toBe(server.spanID);
  expect(parentOf(publish)).toBe(server.spanID);
  expect(parentOf(apply)).toBe(publish.spanID);
  expect(tag(apply, 'messaging.message.id')).toBeDefined();

  // PostgreSQL: orders' insert under its request, users' read under the lookup, the inbox write under the apply
  // (each statement's span named by what it does to which table).
  const queriesUnder = (parent: JaegerSpan) => trace.spans.filter((s) => parentOf(s) === parent.spanID && tag(s, 'db.system.name') === 'postgresql').map((s) => s.operationName);
  expect(queriesUnder(server)).toEqual(expect.arrayContaining(['BEGIN', 'INSERT orders', 'INSERT outbox', 'COMMIT']));
  expect(queriesUnder(lookup)).toEqual(['SELECT users']);
  expect(queriesUnder(apply)).toEqual(expect.arrayContaining(['INSERT inbox', 'INSERT user_order_stats']));

  // Every span but the edge's has its parent in the trace; nothing starts before the edge took the request.
  for (const span of trace.spans) {
    if (span !== edge) expect(byId.has(parentOf(span) ?? '')).toBe(true);
    expect(span.startTime).toBeGreaterThanOrEqual(edge.startTime - 1_000);
  }

  // platform trace finds the same trace by the request id and prints it as a tree.
  const cliEnv = { PATH: process.env.PATH, OPENSEARCH_HTTP_PORT: new URL(logging.openSearch.url).port, JAEGER_QUERY_URL: tracing.jaeger.queryUrl };
  const printed = platformCli(cliEnv, 'trace', requestId, '--json');
  expect(printed.code).toBe(0);
  const view = JSON.parse(printed.out) as { found: boolean; traceId: string; spans: { spanId: string; depth: number; service: string; operation: string; status: string }[] };
  expect(view).toMatchObject({ found: true, traceId });
  expect(view.spans).toHaveLength(trace.spans.length);
  const depthOf = (spanId: string) => view.spans.find((s) => s.spanId === spanId)?.depth;
  expect([edge, server, publish, apply].map((s) => depthOf(s.spanID))).toEqual([0, 1, 2, 3]);
  expect(depthOf(lookup.spanID)).toBe(3);
  const text = platformCli(cliEnv, 'trace', requestId);
  expect(text.code).toBe(0);
  for (const line of ['edge', 'POST /orders', 'GET users /users/:id', 'GET /users/:id', 'publish orders.', 'process orders.']) expect(text.out).toContain(line);
  process.stdout.write(`${text.out}\n`);
}, 60_000);
