import type { PlatformSettings } from '../settings';
import type { InstanceState } from '../supervisor/state';

/**
 * One part of the local platform that the supervisor starts before the services (Consul, load
 * balancers, databases, brokers, log shipping). Components start in the order they are listed
 * in components/index.ts and stop in reverse.
 */
export interface PlatformComponent {
  name: string;
  start(context: ComponentContext): Promise<RunningComponent>;
}

export interface ComponentContext {
  settings: PlatformSettings;
  /** This component's own folder under the state dir (data, config, logs). */
  stateDir: string;
  /** Environment that earlier components exported (CONSUL_HTTP_ADDR, ...). */
  env: Record<string, string>;
  log(message: string): void;
  /** Tells the supervisor that something `instances()` reports has changed. */
  changed(): void;
}

export interface RunningComponent {
  /** Variables every later component and every service instance receives. */
  env: Record<string, string>;
  /** Process ids it started, so `platform down` can make sure none is left. */
  pids(): number[];
  /** Lines for `platform status` and `platform up` (addresses to call). */
  describe(): string[];
  /** Supervised processes it runs that are also Consul instances, shown by `platform status`. */
  instances?(): InstanceState[];
  stop(): Promise<void>;
}
