import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretFile, sleep } from '@platform/process-runner';
import { describeServerState, serversState } from '@platform/haproxy/dist/runtime-api';
import { syncScrapeTargets } from '@platform/monitoring';
import { connectionsTo } from '@platform/tests/dist/harness/connections';
import { healthOf } from '@platform/tests/dist/harness/consul-queries';
import { startTestConsul, type TestConsul } from '@platform/tests/dist/harness/consul';
import { startGateway, writeGatewaySecrets, type RunningGateway } from '@platform/tests/dist/harness/gateway';
import { startTestLb, type TestLb } from '@platform/tests/dist/harness/load-balancer';
import { deregisterService, registerAll, registerService, setCheck, setMaintenance, type TestRegistration } from '@platform/tests/dist/harness/registrations';
import { cpuSeconds, rssMib } from './process-stats';
import { percentile, printTable } from './stats';

const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);

interface Watchers {
  consul: TestConsul;
  lbs: TestLb[];
  gateways: RunningGateway[];
  ports: number[];
}

const nameOf = (i: number): string => `bench-${String(i).padStart(4, '0')}`;
const instance = (i: number, label: string, port: number): TestRegistration => ({ id: `${nameOf(i)}-${label}`, name: nameOf(i), address: '127.0.0.1', port, meta: { protocol: 'http', 'gateway-prefix': `/${nameOf(i)}`, 'metrics-port': String(port) } });

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const start = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** ms until the internal LB's server for this backend and port reaches the state. */
const serverReaches = (lb: TestLb, backend: string, port: number, want: string, started: number): Promise<number> =>
  until(
    async () => {
      const server = (await serversState(lb.adminSocket, backend)).find((s) => s.port === port);
      return server && describeServerState(server) === want ? performance.now() - started : undefined;
    },
    30_000,
    `${backend} on ${port} to be ${want}`,
  );

const routedServers = async (lb: TestLb, ports: number[]): Promise<number> => (await serversState(lb.adminSocket)).filter((s) => s.backend.startsWith('svc_bench-') && ports.includes(s.port) && describeServerState(s) === 'up').length;

/** A controller's own counters from its /metrics (its port is in its Consul registration). */
async function controllerMetrics(consulAddr: string, lb: TestLb): Promise<{ reloads: number; propagationSum: number; propagationCount: number }> {
  const entries = (await healthOf(consulAddr, 'lb-controller')).filter((e) => e.Service.ID === lb.controllerId);
  const metrics = await (await fetch(`http://127.0.0.1:${entries[0]?.Service.Port ?? 0}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} ([\\d.e+-]+)$`, 'm').exec(metrics)?.[1] ?? 0);
  return { reloads: value('lb_reloads_total'), propagationSum: value('lb_propagation_seconds_sum'), propagationCount: value('lb_propagation_seconds_count') };
}

/** One size: grow the catalog to `size` services × 2, then sample new instances and flips on it. */
async function phase(w: Watchers, from: number, size: number): Promise<(string | number)[][]> {
  const [internal] = w.lbs as [TestLb];
  const [a, b, c] = w.ports as [number, number, number];
  const cpuBefore = w.lbs.map((lb) => cpuSeconds(lb.child.pid));
  const reloadsBefore = (await controllerMetrics(w.consul.httpAddr, internal)).reloads;
  const bulkStart = performance.now();
  const added: TestRegistration[] = [];
  for (let i = from; i < size; i += 1) added.push(instance(i, 'a', a), instance(i, 'b', b));
  await registerAll(w.consul.httpAddr, added);
  await until(async () => ((await routedServers(internal, [a, b])) === size * 2 ? true : undefined), 300_000, `${size * 2} servers routed`);
  const bulkSeconds = (performance.now() - bulkStart) / 1000;
  const afterBulk = await controllerMetrics(w.consul.httpAddr, internal);

  const passed: number[] = [];
  const registered: number[] = [];
  const flips: number[] = [];
  for (let k = 0; k < SAMPLES; k += 1) {
    const i = Math.floor(Math.random() * size);
    const backend = `svc_${nameOf(i)}`;
    // As the kit does it: registered with its check critical, routed once the check passes.
    const kitStyle = { ...instance(i, `k${k}`, c), check: 'critical' as const };
    await registerService(w.consul.httpAddr, kitStyle);
    await sleep(50);
    const passAt = performance.now();
    await setCheck(w.consul.httpAddr, kitStyle.id, 'pass');
    passed.push(await serverReaches(internal, backend, c, 'up', passAt));
    await deregisterService(w.consul.httpAddr, kitStyle.id);
    await serverReaches(internal, backend, c, 'maint', performance.now());
    // Registered already passing: no check announces it, the registrations read finds it.
    const direct = instance(i, `d${k}`, c);
    const registerAt = performance.now();
    await registerService(w.consul.httpAddr, direct);
    registered.push(await serverReaches(internal, backend, c, 'up', registerAt));
    await deregisterService(w.consul.httpAddr, direct.id);
    await serverReaches(internal, backend, c, 'maint', performance.now());
    const target = instance(Math.floor(Math.random() * size), 'a', a);
    for (const enable of [true, false]) {
      const flipStart = performance.now();
      await setMaintenance(w.consul.httpAddr, target.id, enable);
      flips.push(await serverReaches(internal, `svc_${target.name}`, a, enable ? 'drain' : 'up', flipStart));
    }
  }
  const afterSamples = await controllerMetrics(w.consul.httpAddr, internal);
  // New instances of existing services never reload (free slots): every reload of the phase is the bulk's.
  const bulkReloads = afterSamples.reloads - reloadsBefore;
  const controllerMs = ((afterSamples.propagationSum - afterBulk.propagationSum) / Math.max(1, afterSamples.propagationCount - afterBulk.propagationCount)) * 1000;
  // Idle sockets of the last fetches close within seconds; held connections are what stays.
  await sleep(5_000);
  const held = [...w.lbs.map((lb) => lb.child.pid), ...w.gateways.map((g) => g.proc.child.pid)].map((pid) => connectionsTo(pid, w.consul.ports.http));
  const cpu = w.lbs.map((lb, i) => cpuSeconds(lb.child.pid) - (cpuBefore[i] ?? 0));
  const rss = w.lbs.map((lb) => rssMib(lb.child.pid));
  return [
    [
      `${size} × 2`,
      bulkSeconds,
      bulkReloads,
      percentile(passed, 50),
      percentile(passed, 99),
      percentile(registered, 50),
      percentile(registered, 99),
      percentile(flips, 50),
      percentile(flips, 99),
      controllerMs,
      cpu.map((s) => s.toFixed(1)).join(' / '),
      rss.map((m) => m.toFixed(0)).join(' / '),
      held.join(' '),
    ],
  ];
}

async function listen(): Promise<Server> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/**
 * Discovery at catalog scale with the watchers of a running platform, as real processes (3
 * load-balancer controllers with their HAProxy, 2 gateways) and the Prometheus target sync in this
 * process, as `platform up` runs it in the CLI. Services are registered through Consul's agent API
 * with TTL checks (passing), pointing at local listeners.
 */
export async function benchDiscoveryScale(): Promise<void> {
  const upstreams = await Promise.all([listen(), listen(), listen()]);
  const consul = await startTestConsul();
  const w: Watchers = { consul, lbs: [], gateways: [], ports: upstreams.map((s) => (s.address() as AddressInfo).port) };
  const consulToken = readSecretFile(await consul.tokenFile('monitoring'), 'the monitoring token');
  const targets = syncScrapeTargets({ consulAddr: consul.httpAddr, consulToken, file: join(mkdtempSync(join(tmpdir(), 'bench-targets-')), 'consul.json') });
  try {
    for (const role of ['internal', 'edge', 'db'] as const) w.lbs.push(await startTestLb(consul.httpAddr, role));
    const secrets = writeGatewaySecrets(['bench']);
    for (let g = 0; g < 2; g += 1) w.gateways.push(await startGateway(consul.httpAddr, (w.lbs[0] as TestLb).addr, secrets));
    const rows: (string | number)[][] = [];
    let from = 0;
    for (const size of SIZES) {
      rows.push(...(await phase(w, from, size)));
      from = size;
    }
    printTable(
      'Discovery at scale: 3 LB controllers + 2 gateways (processes), target sync (in process); internal LB measured',
      ['services', 'all routed s', 'reloads', 'pass→routed p50 ms', 'p99', 'reg→routed p50 ms', 'p99', 'flip p50 ms', 'p99', 'ctl mean ms', 'CPU s int/edge/db', 'RSS MiB int/edge/db', 'conns int edge db gw gw'],
      rows,
    );
    const logs = [...w.lbs.map((lb) => readFileSync(lb.logFile, 'utf8')), ...w.gateways.map((g) => g.proc.output())].join('\n');
    process.stdout.write(`Consul refusals (429) in any watcher's log: ${(logs.match(/consul refused|too many concurrent/g) ?? []).length}\n`);
  } finally {
    targets.stop();
    await Promise.all(w.gateways.map((g) => g.proc.child.stop(5_000)));
    await Promise.all(w.lbs.map((lb) => lb.stop()));
    await consul.stop();
    for (const server of upstreams) server.close();
  }
}
