import { sleep } from '@platform/process-runner';
import { describeServerState, serversState } from '@platform/haproxy/dist/runtime-api';
import { startTestConsul } from '@platform/tests/dist/harness/consul';
import { consulFetch } from '@platform/tests/dist/harness/consul-queries';
import { startTestLb } from '@platform/tests/dist/harness/load-balancer';
import { startLoad } from '@platform/tests/dist/harness/load';
import { setMaintenance } from '@platform/tests/dist/harness/registrations';
import { entryPoints, startRegisteredService, type ServiceProcess } from '@platform/tests/dist/harness/service-process';
import { percentile, printTable } from './stats';

const FLIPS = Number(process.env.BENCH_FLIPS ?? 200);
const KILLS = Number(process.env.BENCH_KILLS ?? 5);

async function waitServerState(adminSocket: string, port: number, want: (state: string) => boolean, timeoutMs = 10_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const server = (await serversState(adminSocket)).find((s) => s.port === port);
    if (server && want(describeServerState(server))) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`server on port ${port} did not reach the wanted state`);
    await sleep(1);
  }
}

/**
 * Propagation: maintenance toggled through Consul's agent API (what a shutting-down instance does)
 * until HAProxy's runtime state shows it, over FLIPS flips; and kill -9 until HAProxy stops routing.
 */
export async function benchPropagation(): Promise<void> {
  const consul = await startTestConsul();
  const lb = await startTestLb(consul.httpAddr, 'internal');
  const procs: ServiceProcess[] = [];
  try {
    for (const label of ['a', 'b', 'c']) {
      procs.push(await startRegisteredService(entryPoints.slow, 'bench', consul.httpAddr, { INSTANCE_ID: `bench-${label}`, FIXTURE_SERVICE_NAME: 'bench', FIXTURE_LABEL: label }));
    }
    const target = procs[0] as ServiceProcess;
    await waitServerState(lb.adminSocket, target.port as number, (s) => s === 'up');
    const flips: number[] = [];
    for (let i = 0; i < FLIPS; i += 1) {
      const enable = i % 2 === 0;
      const start = performance.now();
      await setMaintenance(consul.httpAddr, target.instanceId, enable);
      await waitServerState(lb.adminSocket, target.port as number, (s) => (enable ? s === 'drain' : s === 'up'));
      flips.push(performance.now() - start);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${await controllerPort(consul.httpAddr)}/metrics`)).text();

    const kills: number[] = [];
    for (let i = 0; i < KILLS; i += 1) {
      const victim = await startRegisteredService(entryPoints.slow, 'bench', consul.httpAddr, { INSTANCE_ID: `bench-victim-${i}`, FIXTURE_SERVICE_NAME: 'bench', FIXTURE_LABEL: 'victim' });
      await waitServerState(lb.adminSocket, victim.port as number, (s) => s === 'up');
      const load = startLoad({ addr: lb.addr, path: '/whoami', host: 'bench', concurrency: 4 });
      await sleep(300);
      victim.child.signal('SIGKILL');
      kills.push(await waitServerState(lb.adminSocket, victim.port as number, (s) => s !== 'up'));
      const result = await load.stop();
      if (result.failures.length > 0) process.stdout.write(`  note: ${result.failures.length} failed requests during kill ${i + 1}\n`);
    }

    const observed = /lb_propagation_seconds_sum\{[^}]*\} ([\d.e-]+)\nlb_propagation_seconds_count\{[^}]*\} (\d+)/.exec(metrics);
    printTable(
      'HAProxy follows Consul (internal LB, 3 instances)',
      ['measure', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'goal'],
      [
        ['maintenance flip → HAProxy runtime state', flips.length, percentile(flips, 50), percentile(flips, 99), Math.max(...flips), 'p99 ≤ 100 ms'],
        ['kill -9 → HAProxy stops routing to it', kills.length, percentile(kills, 50), percentile(kills, 99), Math.max(...kills), '≤ 1500 ms'],
      ],
    );
    if (observed) {
      process.stdout.write(`controller's own view: mean ${((Number(observed[1]) / Number(observed[2])) * 1000).toFixed(2)} ms from Consul answer to runtime applied over ${observed[2]} changes\n`);
    }
  } finally {
    await Promise.all(procs.map((p) => p.child.stop(3_000)));
    await lb.stop();
    await consul.stop();
  }
}

async function controllerPort(consulAddr: string): Promise<number> {
  const entries = (await (await consulFetch(consulAddr, '/v1/health/service/lb-controller')).json()) as { Service: { Port: number } }[];
  return entries[0]?.Service.Port ?? 0;
}
