import { CatalogWatcher, type RejectedEntry } from './catalog-watcher';
import type { WatchedInstance } from './catalog-entry';

export { instanceHealth } from './catalog-entry';
export type { InstanceHealth, WatchedInstance } from './catalog-entry';

export interface ServicesSnapshot {
  /** Every watched service, including ones with no instance left (an empty list). */
  services: Map<string, WatchedInstance[]>;
  /** When the change was observed (ms since epoch), for propagation measurements. */
  observedAt: number;
  /** The Consul index of the answer that caused this snapshot. */
  index: string;
}

export type { RejectedEntry } from './catalog-watcher';

export interface ServicesWatchOptions {
  httpAddr: string;
  /** ACL token for the catalog and health reads. */
  token?: string;
  /** Which services to follow; by default every one except Consul itself. Only these are fetched. */
  include?: (service: string) => boolean;
  onChange(snapshot: ServicesSnapshot): void;
  /**
   * A catalog entry whose name, id, address, port, tags or meta would not be safe to use: it is
   * left out of every snapshot and told here once (the strings are as Consul had them: quote them).
   */
  onRejected?(entry: RejectedEntry): void;
  /** A ConsulRequestError: `consulErrorKind(error)` tells a refusal from an outage. */
  onError?(error: Error): void;
  onRecovered?(): void;
  waitSeconds?: number;
}

const shared = new Map<string, CatalogWatcher>();

/**
 * Follows the services `include` selects and hands the whole picture of them to `onChange`
 * whenever any of them moves. Every watch of a process on the same agent and token shares one
 * CatalogWatcher, so a process holds the same few connections to Consul whatever the catalog's
 * size. While Consul is unreachable nothing is emitted: callers keep acting on the last state.
 */
export function watchServices(options: ServicesWatchOptions): { stop(): void } {
  const include = options.include ?? ((name: string) => name !== 'consul');
  const key = `${options.httpAddr}\u0000${options.token ?? ''}\u0000${options.waitSeconds ?? 30}`;
  let watcher = shared.get(key);
  if (!watcher || watcher.idle) {
    watcher = new CatalogWatcher(options.httpAddr, options.token, options.waitSeconds);
    shared.set(key, watcher);
  }
  const services = new Map<string, WatchedInstance[]>();
  const unsubscribe = watcher.subscribe({
    include,
    onChange(update) {
      for (const [name, instances] of update.services) services.set(name, instances);
      // A service that left the catalog leaves the snapshot now, not at the next change of another
      // one: a load balancer would keep its empty backend (and BackendWithoutServers would page).
      for (const name of update.removed) services.delete(name);
      options.onChange({ services: new Map(services), observedAt: update.observedAt, index: update.index });
    },
    onRejected: options.onRejected,
    onError: options.onError,
    onRecovered: options.onRecovered,
  });
  return {
    stop() {
      unsubscribe();
      if (watcher.idle && shared.get(key) === watcher) shared.delete(key);
    },
  };
}
