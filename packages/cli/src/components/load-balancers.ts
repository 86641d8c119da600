import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@platform/consul';
import { pidAlive, waitFor } from '@platform/process-runner';
import { InstanceSlot } from '../supervisor/instance-slot';
import type { PlatformComponent } from './component';

const controllerEntry = join(repoRoot, 'platform/haproxy/dist/main.js');

interface LbSpec {
  role: 'edge' | 'internal';
  host: string;
  port: number;
}

/**
 * The edge and internal HAProxy, each driven by its own sync controller (platform/haproxy), which
 * is supervised like a service instance: a crashed controller is reported and restarted, and the
 * new one replaces the HAProxy the old one left behind.
 */
export const loadBalancersComponent: PlatformComponent = {
  name: 'haproxy',
  async start({ settings, stateDir, env, log, changed }) {
    const specs: LbSpec[] = [
      { role: 'internal', ...settings.internalLb },
      { role: 'edge', ...settings.edge },
    ];
    const slots = specs.map(
      (spec, i) =>
        new InstanceSlot({
          service: 'lb-controller',
          instanceId: `lb-${spec.role}-${settings.nodeName}`,
          entry: controllerEntry,
          slot: i + 1,
          nodeName: settings.nodeName,
          logDir: join(settings.stateDir, 'logs'),
          env: { ...process.env, ...env, LB_ROLE: spec.role, LB_BIND: `${spec.host}:${spec.port}`, LB_STATE_DIR: join(stateDir, spec.role), SERVICE_TAGS: spec.role },
          onChange: changed,
          report: log,
        }),
    );
    for (const slot of slots) slot.start();
    const haproxyPids = (): number[] =>
      specs
        .map((s) => join(stateDir, s.role, 'haproxy.pid'))
        .filter(existsSync)
        .map((f) => Number(readFileSync(f, 'utf8').trim()))
        .filter((pid) => pid > 0 && pidAlive(pid));
    await waitFor(
      async () => {
        const res = await fetch(`http://${env.CONSUL_HTTP_ADDR}/v1/health/service/lb-controller?passing=true`);
        const passing = ((await res.json()) as { Service: { ID: string } }[]).map((e) => e.Service.ID);
        return slots.every((s) => passing.includes(s.state.id));
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the edge and internal load balancers to start (see logs/lb-controller)' },
    );
    const [internal, edge] = specs as [LbSpec, LbSpec];
    return {
      env: { INTERNAL_LB_ADDR: `${internal.host}:${internal.port}` },
      pids: () => [...slots.map((s) => s.state.pid).filter((p): p is number => p !== null), ...haproxyPids()],
      instances: () => slots.map((s) => s.state),
      describe: () => [
        `API gateway (edge) http://${edge.host}:${edge.port}/   (the public entry: callers start here)`,
        `internal LB        http://${internal.host}:${internal.port}/   (services call each other here with Host: <service>)`,
      ],
      async stop() {
        await Promise.all(slots.map((s) => s.stop(20_000)));
      },
    };
  },
};
