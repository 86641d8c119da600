import { consulInstances, type ConsulInstanceView } from '../consul-view';
import { unroutedInstances } from '../lb-view';
import type { Release } from '../releases/release-store';
import type { InstanceState } from '../supervisor/state';
import type { ConsulAccess } from './rollout-kv';

/** One supervised instance as a deploy sees it (the supervisor's InstanceSlot). */
export interface FleetInstance {
  readonly state: InstanceState;
}

/**
 * What a deploy needs from the supervisor, which owns the instances: start one from a release,
 * drain one (the kit's handshake: every load balancer confirms before it stops), and which
 * release new instances (scale, restarts of the service) start from.
 */
export interface Fleet {
  instances(service: string): readonly FleetInstance[];
  running(service: string): Release;
  start(service: string, release: Release): FleetInstance;
  drain(instance: FleetInstance): Promise<void>;
  /** From now on `release` is the service's: `platform scale` starts it. */
  adopt(service: string, release: Release): void;
  /** Applies the release's pending migrations (release-migrations.ts); names what it applied. */
  migrate(release: Release): Promise<string[]>;
  consul(): ConsulAccess;
  log(message: string): void;
}

const POLL_MS = 250;

/**
 * Resolves with null once every instance passes in Consul and every HTTP load balancer routes it
 * (the same test `platform up` makes), or with why not: one crashed (a restart counts as a failed
 * health check), or `timeoutMs` passed.
 */
export async function waitRouted(fleet: Fleet, instances: readonly FleetInstance[], timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  const { addr, token } = fleet.consul();
  for (;;) {
    const crashed = instances.find((i) => i.state.restarts > 0 || i.state.state === 'stopped');
    if (crashed) return `${crashed.state.id} crashed (${crashed.state.lastExit ? `exit ${crashed.state.lastExit.code ?? crashed.state.lastExit.signal}` : 'no exit recorded'})`;
    const view: ConsulInstanceView[] = await consulInstances(addr, token).catch(() => []);
    const passing = instances.every((i) => view.some((v) => v.id === i.state.id && v.health === 'passing'));
    if (passing && (await unroutedInstances(view, instances.map((i) => i.state))).length === 0) return null;
    if (Date.now() >= deadline) {
      const notPassing = instances.filter((i) => !view.some((v) => v.id === i.state.id && v.health === 'passing')).map((i) => i.state.id);
      return notPassing.length > 0 ? `${notPassing.join(', ')} did not pass its health check within ${timeoutMs / 1000} s` : `the load balancers did not route ${instances.map((i) => i.state.id).join(', ')} within ${timeoutMs / 1000} s`;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Starts `count` instances of `release` and waits until they are routed; on failure drains them again and returns why. */
export async function startRouted(fleet: Fleet, service: string, release: Release, count: number, timeoutMs: number): Promise<{ started: FleetInstance[]; failure: string | null }> {
  const started = Array.from({ length: count }, () => fleet.start(service, release));
  const failure = await waitRouted(fleet, started, timeoutMs);
  if (failure) await Promise.all(started.map((i) => fleet.drain(i)));
  return { started, failure };
}

export const ofRelease = (fleet: Fleet, service: string, release: string): FleetInstance[] => fleet.instances(service).filter((i) => i.state.release === release);
export const notOfRelease = (fleet: Fleet, service: string, release: string): FleetInstance[] => fleet.instances(service).filter((i) => i.state.release !== release);
