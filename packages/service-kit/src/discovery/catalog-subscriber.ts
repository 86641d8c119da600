import type { WatchedInstance } from './catalog-entry';
import type { RejectedEntry } from './rejections';

export interface CatalogUpdate {
  /** Services whose valid instances changed; a service that left the catalog maps to [] and is in `removed`. */
  services: ReadonlyMap<string, WatchedInstance[]>;
  removed: ReadonlySet<string>;
  /** The Consul index the update reflects, and when its first change was seen (ms since epoch). */
  index: string;
  observedAt: number;
}

export interface CatalogSubscriber {
  include(service: string): boolean;
  /** What changed among the services this subscriber includes (everything on the first call). */
  onChange(update: CatalogUpdate): void;
  /** An entry dropped at the boundary: told once per entry, not at every change. */
  onRejected?(entry: RejectedEntry): void;
  onError?(error: Error): void;
  onRecovered?(): void;
}
