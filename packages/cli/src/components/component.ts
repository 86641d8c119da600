import type { PlatformSettings } from '../settings';

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
}

export interface RunningComponent {
  /** Variables every later component and every service instance receives. */
  env: Record<string, string>;
  /** Process ids it started, so `platform down` can make sure none is left. */
  pids(): number[];
  /** Lines for `platform status` and `platform up` (addresses to call). */
  describe(): string[];
  stop(): Promise<void>;
}
