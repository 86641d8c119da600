import { randomUUID } from 'node:crypto';
import { freePort, waitFor } from '@platform/process-runner';
import { httpRequest } from '../harness/http-client';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { entryPoints, startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * users and orders on real PostgreSQL (a primary and two replicas of this file's own), over HTTP
 * as callers see them: status codes, problem+json, pagination, and read-your-writes with the
 * x-db-lsn header while a replica has stopped replaying.
 */
let consul: TestConsul;
let pg: TestPostgres;
let lb: TestLb; // the internal load balancer orders asks users through
const running: ServiceProcess[] = [];
let usersA: string; // reads from replica pg-1 (paused in the read-your-writes test)
let usersB: string; // reads from replica pg-2
let orders: string;
let usersSlow: ServiceProcess; // reads from pg-1 too, waiting long for a write to replay

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function call<T = Record<string, unknown>>(base: string, path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const res = await fetch(`${base}${path}`, {
    method: options.method ?? 'GET',
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

async function startProcess(entry: string, service: string, env: Record<string, string>): Promise<ServiceProcess> {
  const proc = await startRegisteredService(entry, service, consul.httpAddr, { DRAIN_MS: '0', DRAIN_CONFIRM_TIMEOUT_MS: '0', DB_MIGRATE_ON_START: 'true', ...env });
  running.push(proc);
  return proc;
}

const start = async (entry: string, service: string, env: Record<string, string>): Promise<string> => `http://127.0.0.1:${(await startProcess(entry, service, env)).port}`;

const expectProblem = (answer: Answer<unknown>, status: number): void => {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ status });
};

beforeAll(async () => {
  consul = await startTestConsul();
  [pg, lb] = await Promise.all([startTestPostgres({ replicas: 2 }), startTestLb(consul.httpAddr, 'internal')]);
  const [pg1, pg2] = pg.cluster.replicas;
  [usersA, usersB, orders] = await Promise.all([
    start(entryPoints.users, 'users', { ...pg.serviceEnv(pg1), DB_READ_YOUR_WRITES_WAIT_MS: '20' }),
    start(entryPoints.users, 'users', pg.serviceEnv(pg2)),
    start(entryPoints.orders, 'orders', { ...pg.serviceEnv(pg2), INTERNAL_LB_ADDR: lb.addr }),
  ]);
  usersSlow = await startProcess(entryPoints.users, 'users', { ...pg.serviceEnv(pg1), DB_READ_YOUR_WRITES_WAIT_MS: '5000' });
  // orders reaches users through the internal load balancer, which routes an instance a moment after Consul passes it.
  await waitFor(async () => (await httpRequest(lb.addr, '/users?limit=1', { host: 'users' })).status === 200, { timeoutMs: 10_000, what: 'users routed by the internal load balancer' });
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.child.stop(5_000)));
  await lb?.stop();
  await pg?.stop();
  await consul?.stop();
});

test('users: 201 with the write position, 409 on a taken email, 400 on bad input, 404 when missing, update and delete', async () => {
  const created = await call<{ id: string; email: string }>(usersA, '/users', { method: 'POST', body: { email: 'Ada@Example.COM', name: 'Ada' } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
  const lsn = created.headers.get('x-db-lsn') ?? '';
  expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  const seen = { 'x-db-lsn': lsn };

  expectProblem(await call(usersB, '/users', { method: 'POST', body: { email: 'ADA@example.com', name: 'Other Ada' } }), 409);
  expectProblem(await call(usersA, '/users', { method: 'POST', body: { email: 'not-an-email', name: 'X' } }), 400);
  expectProblem(await call(usersA, '/users', { method: 'POST', body: { email: 'x@example.com' } }), 400);
  expectProblem(await call(usersA, '/users', { method: 'POST', body: { email: 'x@example.com', name: '   ' } }), 400);
  expectProblem(await call(usersA, `/users/${randomUUID()}`), 404);
  expectProblem(await call(usersA, '/users/not-a-uuid'), 400);

  expect((await call(usersB, `/users/${created.body.id}`, { headers: seen })).body).toMatchObject({ id: created.body.id, email: 'ada@example.com' });
  const renamed = await call(usersA, `/users/${created.body.id}`, { method: 'PATCH', body: { name: 'Ada L.' } });
  expect(renamed.status).toBe(200);
  expect(renamed.body).toMatchObject({ name: 'Ada L.', email: 'ada@example.com' });
  const other = await call<{ id: string }>(usersA, '/users', { method: 'POST', body: { email: 'grace@example.com', name: 'Grace' } });
  expectProblem(await call(usersA, `/users/${other.body.id}`, { method: 'PATCH', body: { email: 'ada@example.com' } }), 409);
  expectProblem(await call(usersA, `/users/${randomUUID()}`, { method: 'PATCH', body: { name: 'Nobody' } }), 404);
  expectProblem(await call(usersA, `/users/${other.body.id}`, { method: 'PATCH', body: {} }), 400);

  const deleted = await call(usersA, `/users/${other.body.id}`, { method: 'DELETE' });
  expect(deleted.status).toBe(204);
  expectProblem(await call(usersB, `/users/${other.body.id}`, { headers: { 'x-db-lsn': deleted.headers.get('x-db-lsn') ?? '' } }), 404);
  expectProblem(await call(usersA, `/users/${other.body.id}`, { method: 'DELETE' }), 404);
});

test('users: pages follow `next` through every user exactly once', async () => {
  let lsn = '';
  for (let i = 0; i < 5; i += 1) lsn = (await call(usersA, '/users', { method: 'POST', body: { email: `page-${i}@example.com`, name: `Page ${i}` } })).headers.get('x-db-lsn') ?? lsn;
  const listed: string[] = [];
  let next: string | null = null;
  do {
    const page: Answer<{ items: { id: string }[]; next: string | null }> = await call(usersB, `/users?limit=2${next ? `&after=${next}` : ''}`, { headers: { 'x-db-lsn': lsn } });
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(2);
    listed.push(...page.body.items.map((u) => u.id));
    next = page.body.next;
  } while (next);
  const all = (await pg.sql<{ id: string }>(pg.cluster.primary, 'SELECT id FROM users.users ORDER BY id')).map((r) => r.id);
  expect(listed).toEqual(all);
  expectProblem(await call(usersB, '/users?limit=0'), 400);
});

test('orders: create, get, 404, validation, and a user’s orders in pages', async () => {
  const user = await call<{ id: string }>(usersA, '/users', { method: 'POST', body: { email: 'orderer@example.com', name: 'Orderer' } });
  const userId = user.body.id;
  const items = [
    { sku: 'apple', quantity: 3, unitPriceCents: 50 },
    { sku: 'pear', quantity: 1, unitPriceCents: 120 },
  ];
  const ids: string[] = [];
  let lsn = '';
  for (let i = 0; i < 5; i += 1) {
    const created = await call<{ id: string; totalCents: number; items: unknown[] }>(orders, '/orders', { method: 'POST', body: { userId, items } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userId, totalCents: 270, status: 'created', items });
    ids.push(created.body.id);
    lsn = created.headers.get('x-db-lsn') ?? '';
  }
  const seen = { 'x-db-lsn': lsn };
  expect((await call(orders, `/orders/${ids[0]}`, { headers: seen })).body).toMatchObject({ id: ids[0], userId, items, totalCents: 270 });
  expectProblem(await call(orders, `/orders/${randomUUID()}`), 404);
  expectProblem(await call(orders, '/orders', { method: 'POST', body: { userId, items: [{ sku: 'x', quantity: 0, unitPriceCents: 1 }] } }), 400);
  expectProblem(await call(orders, '/orders', { method: 'POST', body: { userId: 'nope', items } }), 400);
  expectProblem(await call(orders, '/orders?limit=2'), 400);

  const first = await call<{ items: { id: string }[]; next: string | null }>(orders, `/orders?userId=${userId}&limit=2`, { headers: seen });
  const second = await call<{ items: { id: string }[]; next: string | null }>(orders, `/orders?userId=${userId}&limit=2&after=${first.body.next}`, { headers: seen });
  const third = await call<{ items: { id: string }[]; next: string | null }>(orders, `/orders?userId=${userId}&limit=2&after=${second.body.next}`, { headers: seen });
  expect([first, second, third].map((p) => p.body.items.map((o) => o.id))).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
  expect(third.body.next).toBeNull();
  expect((await call<{ items: unknown[] }>(orders, `/orders?userId=${randomUUID()}`)).body.items).toEqual([]);
});

test('orders asks users through the internal load balancer: an unknown user is refused with 422, unreachable users with 503, and nothing is stored', async () => {
  const items = [{ sku: 'apple', quantity: 1, unitPriceCents: 50 }];
  const stranger = randomUUID();
  const refused = await call<{ detail: string }>(orders, '/orders', { method: 'POST', body: { userId: stranger, items } });
  expectProblem(refused, 422);
  expect(refused.body.detail).toBe(`user ${stranger} does not exist`);

  const cutOff = await start(entryPoints.orders, 'orders', { ...pg.serviceEnv(pg.cluster.primary), INTERNAL_LB_ADDR: `127.0.0.1:${await freePort()}` });
  const known = await call<{ id: string }>(usersA, '/users', { method: 'POST', body: { email: 'cut-off@example.com', name: 'Cut Off' } });
  const unavailable = await call<{ detail: string }>(cutOff, '/orders', { method: 'POST', body: { userId: known.body.id, items } });
  expectProblem(unavailable, 503);
  expect(unavailable.body.detail).toContain('nothing was created');

  const stored = await pg.sql<{ n: string }>(pg.cluster.primary, 'SELECT count(*) AS n FROM orders.orders WHERE user_id = ANY($1::uuid[])', [[stranger, known.body.id]]);
  expect(Number(stored[0]?.n)).toBe(0);
});

test('an order placed right after its user was created is accepted while the replica users reads from is behind', async () => {
  const [, behind] = pg.cluster.replicas;
  await pg.pauseReplay(behind!);
  try {
    const refused: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      // No x-db-lsn passed on: orders alone must not take the lagging replica's "not found" for an answer.
      const user = await call<{ id: string }>(usersA, '/users', { method: 'POST', body: { email: `fresh-${i}@example.com`, name: `Fresh ${i}` } });
      const order = await call(orders, '/orders', { method: 'POST', body: { userId: user.body.id, items: [{ sku: 'fresh', quantity: 1, unitPriceCents: 1 }] } });
      if (order.status !== 201) refused.push(`${order.status}`);
    }
    expect(refused).toEqual([]);
    // The replica really was behind: usersB, which reads from it, did not find the last user.
    const last = await pg.sql<{ id: string }>(pg.cluster.primary, "SELECT id FROM users.users WHERE email = 'fresh-19@example.com'");
    expectProblem(await call(usersB, `/users/${last[0]?.id}`), 404);
  } finally {
    await pg.resumeReplay(behind!);
  }
});

test('read-your-writes: 1,000 create-then-read with the returned position, all found, while one replica has replay paused', async () => {
  const [paused] = pg.cluster.replicas;
  await pg.pauseReplay(paused!);
  try {
    // Without the position, the paused replica really is behind.
    const probe = await call<{ id: string }>(usersB, '/users', { method: 'POST', body: { email: 'probe@example.com', name: 'Probe' } });
    expectProblem(await call(usersA, `/users/${probe.body.id}`), 404);
    expect((await call(usersA, `/users/${probe.body.id}`, { headers: { 'x-db-lsn': probe.headers.get('x-db-lsn') ?? '' } })).status).toBe(200);

    const missed: number[] = [];
    const startedAt = Date.now();
    for (let i = 0; i < 1_000; i += 1) {
      // Alternate, so half the reads land on the paused replica and half on the streaming one.
      const [writer, reader] = i % 2 === 0 ? [usersB, usersA] : [usersA, usersB];
      const created = await call<{ id: string }>(writer, '/users', { method: 'POST', body: { email: `ryw-${i}@example.com`, name: `Ryw ${i}` } });
      const read = await call(reader, `/users/${created.body.id}`, { headers: { 'x-db-lsn': created.headers.get('x-db-lsn') ?? '' } });
      if (read.status !== 200) missed.push(i);
    }
    process.stdout.write(`1,000 create-then-read pairs in ${Date.now() - startedAt} ms\n`);
    expect(missed).toEqual([]);
    const metrics = await (await fetch(`${usersA}/metrics`)).text();
    const fromPrimary = Number(/db_reads_total\{[^}]*served_by="primary"[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    // Every read that had to see a write while its replica was paused went to the primary.
    expect(fromPrimary).toBeGreaterThanOrEqual(501);
  } finally {
    await pg.resumeReplay(paused!);
  }
});

test('a replica connection cut while a read waits on it (as the database HAProxy does to a lagging replica): the read is answered, the service lives on', async () => {
  const [paused] = pg.cluster.replicas;
  const base = `http://127.0.0.1:${usersSlow.port}`;
  await pg.pauseReplay(paused!);
  try {
    const created = await call<{ id: string }>(usersB, '/users', { method: 'POST', body: { email: 'cut@example.com', name: 'Cut' } });
    const lsn = created.headers.get('x-db-lsn') ?? '';
    // The read holds its replica connection, polling for the write to replay, between queries.
    const reading = call<{ email: string }>(base, `/users/${created.body.id}`, { headers: { 'x-db-lsn': lsn } });
    await waitFor(async () => (await pg.sql(paused!, "SELECT 1 FROM pg_stat_activity WHERE application_name = 'users' AND query LIKE '%pg_last_wal_replay_lsn%'")).length > 0, {
      timeoutMs: 3_000,
      intervalMs: 20,
      what: 'the read to wait on the paused replica',
    });
    const cut = await pg.sql(paused!, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'users' AND pid <> pg_backend_pid()");
    expect(cut.length).toBeGreaterThan(0);
    const read = await reading;
    expect(read.status).toBe(200);
    expect(read.body.email).toBe('cut@example.com');
    expect(usersSlow.child.isRunning()).toBe(true);
    expect((await call(base, '/health/live')).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(Number(/db_read_retries_total(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThanOrEqual(1);
  } finally {
    await pg.resumeReplay(paused!);
  }
});
