import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { healthOf } from '../harness/consul-queries';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';

/**
 * The role check of each server, registered in Consul as `postgres`: what load balancers will use
 * to send writes to the primary and reads to replicas within the lag bound.
 */
let consul: TestConsul;
let pg: TestPostgres;
const MAX_LAG_MS = 500;

const statusOf = async (addr: string, path: string): Promise<number> => (await fetch(`http://${addr}${path}`)).status;
const checkerOf = (server: string) => {
  const checker = pg.roleCheckers?.checkers.find((c) => c.server.name === server);
  if (!checker) throw new Error(`no role check for ${server}`);
  return checker;
};

beforeAll(async () => {
  consul = await startTestConsul();
  pg = await startTestPostgres({ replicas: 2, consulAddr: consul.httpAddr, roleChecks: true, maxReplicaLagMs: MAX_LAG_MS });
});

afterAll(async () => {
  await pg?.stop();
  await consul?.stop();
});

test('every server is in Consul as service postgres: its PostgreSQL port, the role-check port in meta, its observed role as a tag, passing', async () => {
  const { cluster } = pg;
  await waitFor(async () => (await healthOf(consul.httpAddr, 'postgres', true)).length === 3, { timeoutMs: 5_000, what: 'three passing postgres instances' });
  const entries = await healthOf(consul.httpAddr, 'postgres');
  for (const server of cluster.servers) {
    const entry = entries.find((e) => e.Service.Meta['pg-server'] === server.name);
    expect(entry?.Service.Port).toBe(server.port);
    expect(entry?.Service.Tags).toEqual([server === cluster.primary ? 'primary' : 'replica']);
    expect(entry?.Service.Meta).toMatchObject({ protocol: 'postgresql', 'check-port': checkerOf(server.name).addr.split(':')[1], 'max-replica-lag-ms': String(MAX_LAG_MS) });
  }
});

test('the role check answers from the server itself: /primary only on the primary, /replica only on replicas', async () => {
  const { cluster } = pg;
  const primary = checkerOf(cluster.primary.name);
  expect(await statusOf(primary.addr, '/primary')).toBe(200);
  expect(await statusOf(primary.addr, '/replica')).toBe(503);
  expect(await statusOf(primary.addr, '/health')).toBe(200);
  for (const replica of cluster.replicas) {
    const { addr } = checkerOf(replica.name);
    expect(await statusOf(addr, '/primary')).toBe(503);
    expect(await statusOf(addr, '/replica')).toBe(200);
    type Health = { role: string; lagMs: number; upstream: { port: number; reachable: boolean } };
    // The upstream sample is taken every 100 ms; one slow sample on a loaded machine reads as unreachable.
    const body = await waitFor(
      async () => {
        const health = (await (await fetch(`http://${addr}/health`)).json()) as Health;
        return health.upstream?.reachable ? health : undefined;
      },
      { timeoutMs: 3_000, intervalMs: 100, what: `${replica.name}'s role check to reach its primary` },
    );
    expect(body).toMatchObject({ role: 'replica', upstream: { port: cluster.primary.port, reachable: true } });
    expect(body.lagMs).toBeLessThanOrEqual(MAX_LAG_MS);
  }
});

test('replay paused while the primary writes: /replica turns non-200 within 2 s, Consul shows a warning, and it is back after resume', async () => {
  const [paused, healthy] = pg.cluster.replicas;
  const { addr } = checkerOf(paused!.name);
  await pg.sql(pg.cluster.primary, 'CREATE TABLE IF NOT EXISTS public.ticks (at timestamptz DEFAULT now())');
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await pg.sql(pg.cluster.primary, 'INSERT INTO public.ticks DEFAULT VALUES');
      await sleep(20);
    }
  })();
  try {
    await pg.pauseReplay(paused!);
    const pausedAt = Date.now();
    await waitFor(async () => (await statusOf(addr, '/replica')) !== 200, { timeoutMs: 2_000, intervalMs: 20, what: 'the paused replica to leave /replica' });
    const leftAfterMs = Date.now() - pausedAt;
    process.stdout.write(`paused replica answered non-200 on /replica ${leftAfterMs} ms after the pause (bound ${MAX_LAG_MS} ms)\n`);
    expect(leftAfterMs).toBeLessThanOrEqual(2_000);
    expect(await statusOf(checkerOf(healthy!.name).addr, '/replica')).toBe(200);
    // A load balancer may ask with a looser bound of its own.
    expect(await statusOf(addr, '/replica?lag=600000')).toBe(200);
    await waitFor(async () => (await healthOf(consul.httpAddr, 'postgres')).some((e) => e.Service.Meta['pg-server'] === paused!.name && e.Checks.some((c) => c.Status === 'warning')), {
      // Consul shows it after three failed checks in a row (failuresBeforeCritical 3; its warning
      // count defaults to the same), one a second: a few seconds, more on a loaded machine (CI: > 5 s).
      timeoutMs: 15_000,
      what: 'Consul to show the lagging replica as warning',
    });

    await pg.resumeReplay(paused!);
    const resumedAt = Date.now();
    await waitFor(async () => (await statusOf(addr, '/replica')) === 200, { timeoutMs: 2_000, intervalMs: 20, what: 'the replica to return to /replica after resume' });
    process.stdout.write(`replica back on /replica ${Date.now() - resumedAt} ms after resume\n`);
  } finally {
    writing = false;
    await writer;
    await pg.resumeReplay(paused!);
  }
});

test("every role check reports the cluster's synchronous mode as Patroni holds it in Consul, for the PostgresSyncStandbyMissing alert", async () => {
  const { cluster } = pg;
  const reported = async (server: string): Promise<string | undefined> => /^postgres_synchronous_mode\{[^}]*scope="platform"[^}]*\} (\d)$/m.exec(await (await fetch(`http://${checkerOf(server).addr}/metrics`)).text())?.[1];
  for (const server of cluster.servers) expect({ server: server.name, value: await reported(server.name) }).toEqual({ server: server.name, value: '1' });
  await cluster.primary.rest.patchConfig({ synchronous_mode: false });
  try {
    await waitFor(async () => (await reported(cluster.primary.name)) === '0', { timeoutMs: 10_000, intervalMs: 250, what: 'the role check to report synchronous mode off' });
  } finally {
    await cluster.primary.rest.patchConfig({ synchronous_mode: true });
  }
});

test("the primary's role check keeps answering 200 while its Patroni does not answer for 1.2 s (busy on a loaded machine), so the database HAProxy keeps its sessions", async () => {
  // In CI the primary's check answered 503 for a moment, the database HAProxy cut every session to
  // the healthy primary and a read answered "database could not be reached": a Patroni answer
  // taking over a second outlived the 1 s the role check trusted its last "yes".
  const { cluster } = pg;
  const primary = checkerOf(cluster.primary.name);
  expect(await statusOf(primary.addr, '/primary')).toBe(200);
  const statuses: number[] = [];
  process.kill(cluster.primary.pid, 'SIGSTOP');
  try {
    const until = Date.now() + 1_200;
    while (Date.now() < until) {
      statuses.push(await statusOf(primary.addr, '/primary'));
      await sleep(50);
    }
  } finally {
    process.kill(cluster.primary.pid, 'SIGCONT');
  }
  for (let i = 0; i < 10; i += 1) {
    statuses.push(await statusOf(primary.addr, '/primary'));
    await sleep(50);
  }
  expect(statuses.length).toBeGreaterThan(15);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
});
