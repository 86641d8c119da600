import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startGateway, writeGatewaySecrets, type RunningGateway } from '../harness/gateway';
import { startTestKafka, type TestKafka } from '../harness/kafka';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startTestLogging, type TestLogging } from '../harness/logging';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { entryPoints, startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * orders → Kafka → users with every part real, callers going through the gateway and the
 * internal HAProxy: order.created events counted exactly once in users' statistics, and one
 * request followed through every service's logs in OpenSearch.
 */
let consul: TestConsul;
let pg: TestPostgres;
let kafka: TestKafka;
let lb: TestLb;
let gateway: RunningGateway;
let apiKey: string;
let users: ServiceProcess; // the one killed with -9 mid-batch
// A second users instance: orders asks users whether a user exists before it takes an order, so
// orders keep being taken while the first one is down.
let standby: ServiceProcess;
let logging: TestLogging;
const running: ServiceProcess[] = [];

const serviceEnv = () => ({ ...pg.serviceEnv(pg.cluster.primary), DB_MIGRATE_ON_START: 'true', KAFKA_BROKERS: kafka.brokers.join(','), DRAIN_MS: '0', LOG_DIR: logging.logDir });

async function startUsers(label: string): Promise<ServiceProcess> {
  const proc = await startRegisteredService(entryPoints.users, 'users', consul.httpAddr, { ...serviceEnv(), INSTANCE_ID: `users-${label}` });
  running.push(proc);
  return proc;
}

async function call<T>(path: string, options: { method?: string; body?: unknown; requestId?: string } = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gateway.base}${path}`, {
    method: options.method ?? 'GET',
    headers: { 'x-api-key': apiKey, ...(options.body ? { 'content-type': 'application/json' } : {}), ...(options.requestId ? { 'x-request-id': options.requestId } : {}) },
    body: options.body ? JSON.stringify(options.body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Creates `count` orders through the gateway, `concurrency` at a time; every request must succeed. */
async function placeOrders(userId: string, count: number, concurrency = 8): Promise<void> {
  let next = 0;
  const failures: number[] = [];
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const res = await call('/orders', { method: 'POST', body: { userId, items: [{ sku: 'sku-1', quantity: 1, unitPriceCents: 250 }] } });
      if (res.status !== 201) failures.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  expect(failures).toEqual([]);
}

const statsOf = async (userId: string): Promise<number> => (await call<{ orders: number }>(`/users/${userId}/stats`)).body.orders;

beforeAll(async () => {
  consul = await startTestConsul();
  [pg, kafka, lb, logging] = await Promise.all([startTestPostgres({ replicas: 0 }), startTestKafka(), startTestLb(consul.httpAddr, 'internal'), startTestLogging()]);
  const secrets = writeGatewaySecrets(['events-client'], { 'events-client': 1_000_000 });
  apiKey = secrets.keys['events-client'] as string;
  gateway = await startGateway(consul.httpAddr, lb.addr, secrets, { LOG_DIR: logging.logDir }, { LOG_DIR: logging.logDir });
  [users, standby] = await Promise.all([startUsers('1'), startUsers('0')]);
  running.push(await startRegisteredService(entryPoints.orders, 'orders', consul.httpAddr, { ...serviceEnv(), INTERNAL_LB_ADDR: lb.addr, INSTANCE_ID: 'orders-1' }));
  await waitFor(async () => (await call('/users?limit=1')).status === 200 && (await call('/orders?userId=00000000-0000-4000-8000-000000000000')).status === 200, {
    timeoutMs: 15_000,
    what: 'users and orders to be routed through the gateway',
  });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(10_000)), gateway?.stop()]);
  await lb.stop();
  await Promise.all([kafka.stop(), pg.stop(), logging.stop()]);
  await consul.stop();
});

test('1,000 orders created through the gateway show in users statistics exactly 1,000 times', async () => {
  const user = await call<{ id: string }>('/users', { method: 'POST', body: { email: 'thousand@example.com', name: 'Thousand Orders' } });
  expect(user.status).toBe(201);
  await placeOrders(user.body.id, 1_000);
  await waitFor(async () => (await statsOf(user.body.id)) >= 1_000, { timeoutMs: 60_000, intervalMs: 500, what: '1,000 orders counted' });
  await sleep(2_000);
  expect(await statsOf(user.body.id)).toBe(1_000);
});

test('the consumer killed with -9 in the middle of a batch and restarted: nothing applied twice, nothing lost', async () => {
  const user = await call<{ id: string }>('/users', { method: 'POST', body: { email: 'crash@example.com', name: 'Crash Test' } });
  const placing = placeOrders(user.body.id, 400);
  let countedAtKill = 0;
  await waitFor(
    async () => {
      countedAtKill = await statsOf(user.body.id);
      return countedAtKill > 20;
    },
    { timeoutMs: 30_000, intervalMs: 20, what: 'the consumer to be in the middle of the stream' },
  );
  users.child.signal('SIGKILL');
  await users.child.exited;
  expect(countedAtKill).toBeLessThan(400);
  users = await startUsers('2');
  await placing;
  await waitFor(async () => (await statsOf(user.body.id)) >= 400, { timeoutMs: 90_000, intervalMs: 500, what: 'all 400 orders counted after the restart' });
  await sleep(2_000);
  expect(await statsOf(user.body.id)).toBe(400);
});

test("the request id of the POST that created an order is in its event's consumer log line", async () => {
  const user = await call<{ id: string }>('/users', { method: 'POST', body: { email: 'traced@example.com', name: 'Traced' } });
  const requestId = 'order-request-trace-0001';
  const created = await call<{ id: string }>('/orders', { method: 'POST', body: { userId: user.body.id, items: [{ sku: 'sku-2', quantity: 2, unitPriceCents: 100 }] }, requestId });
  expect(created.status).toBe(201);
  const applied = (proc: ServiceProcess) => proc.output().split('\n').some((line) => line.includes('event applied') && line.includes(requestId) && line.includes(created.body.id));
  await waitFor(() => applied(users) || applied(standby), {
    timeoutMs: 30_000,
    what: "users' log line for the event, carrying the request id",
  });
});

test('one order request is found by its request id in the logs of the edge, orders and the users consumer, in time order, within 10 s', async () => {
  const user = await call<{ id: string }>('/users', { method: 'POST', body: { email: 'logged@example.com', name: 'Logged' } });
  const requestId = 'order-request-logs-0001';
  const sentAt = Date.now();
  const created = await call<{ id: string }>('/orders', { method: 'POST', body: { userId: user.body.id, items: [{ sku: 'sku-3', quantity: 1, unitPriceCents: 100 }] }, requestId });
  expect(created.status).toBe(201);
  const lines = await waitFor(
    async () => {
      const found = await logging.store.searchAll({ requestId });
      const services = new Set(found.map((l) => l.service));
      return ['edge', 'orders', 'users'].every((s) => services.has(s)) && found.some((l) => l.message === 'event applied') ? found : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 250, what: 'lines from the edge, orders and the users consumer' },
  );
  expect(Date.now() - sentAt).toBeLessThan(10_500);
  const times = lines.map((l) => Date.parse(l.timestamp));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  const consumerLine = lines.find((l) => l.message === 'event applied');
  expect(consumerLine?.service).toBe('users');
  const edgeAt = Math.min(...lines.filter((l) => l.service === 'edge').map((l) => Date.parse(l.timestamp)));
  expect(Date.parse(consumerLine?.timestamp ?? '')).toBeGreaterThanOrEqual(edgeAt);
});
