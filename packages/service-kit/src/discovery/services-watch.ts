import { startBlockingQuery, type BlockingQuery } from './blocking-query';

export type InstanceHealth = 'passing' | 'warning' | 'critical' | 'maintenance';

/** One instance as the catalog and its checks describe it. */
export interface WatchedInstance {
  id: string;
  service: string;
  node: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  health: InstanceHealth;
}

export interface ServicesSnapshot {
  /** Every watched service, including ones with no instance left (an empty list). */
  services: Map<string, WatchedInstance[]>;
  /** When the change was observed (ms since epoch), for propagation measurements. */
  observedAt: number;
  /** The Consul index of the answer that caused this snapshot. */
  index: string;
}

interface HealthEntry {
  Node: { Node: string; Address: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[] | null; Meta: Record<string, string> | null };
  Checks: { CheckID: string; Status: string }[];
}

export function instanceHealth(checks: HealthEntry['Checks']): InstanceHealth {
  if (checks.some((c) => c.CheckID.startsWith('_service_maintenance') || c.CheckID === '_node_maintenance')) return 'maintenance';
  if (checks.some((c) => c.Status === 'critical')) return 'critical';
  if (checks.some((c) => c.Status === 'warning')) return 'warning';
  return 'passing';
}

export interface ServicesWatchOptions {
  httpAddr: string;
  /** ACL token for the catalog and health reads. */
  token?: string;
  /** Which services to follow; by default every one except Consul itself. */
  include?: (service: string) => boolean;
  onChange(snapshot: ServicesSnapshot): void;
  onError?(error: Error): void;
  onRecovered?(): void;
  waitSeconds?: number;
}

/**
 * Follows the catalog's service list and, for each service, its health entries, with blocking
 * queries; hands the whole picture to `onChange` whenever any part moves. While Consul is
 * unreachable nothing is emitted, so callers keep acting on the last known state.
 */
export function watchServices(options: ServicesWatchOptions): { stop(): void } {
  const include = options.include ?? ((name: string) => name !== 'consul');
  const healthQueries = new Map<string, BlockingQuery>();
  const services = new Map<string, WatchedInstance[]>();

  const emit = (index: string): void => options.onChange({ services: new Map(services), observedAt: Date.now(), index });

  const follow = (service: string): void => {
    const query = startBlockingQuery<HealthEntry[]>({
      httpAddr: options.httpAddr,
      token: options.token,
      path: `/v1/health/service/${encodeURIComponent(service)}`,
      waitSeconds: options.waitSeconds,
      onError: options.onError,
      onRecovered: options.onRecovered,
      onResult(entries, index) {
        if (!healthQueries.has(service)) return;
        services.set(
          service,
          entries.map((e) => ({
            id: e.Service.ID,
            service: e.Service.Service,
            node: e.Node.Node,
            address: e.Service.Address || e.Node.Address,
            port: e.Service.Port,
            tags: e.Service.Tags ?? [],
            meta: e.Service.Meta ?? {},
            health: instanceHealth(e.Checks),
          })),
        );
        emit(index);
      },
    });
    healthQueries.set(service, query);
  };

  const catalog = startBlockingQuery<Record<string, string[]>>({
    httpAddr: options.httpAddr,
    token: options.token,
    path: '/v1/catalog/services',
    waitSeconds: options.waitSeconds,
    onError: options.onError,
    onRecovered: options.onRecovered,
    onResult(catalogServices, index) {
      const names = new Set(Object.keys(catalogServices).filter(include));
      for (const name of names) if (!healthQueries.has(name)) follow(name);
      for (const [name, query] of healthQueries) {
        if (names.has(name)) continue;
        query.stop();
        healthQueries.delete(name);
        services.set(name, []);
        emit(index);
        services.delete(name);
      }
    },
  });

  return {
    stop() {
      catalog.stop();
      for (const query of healthQueries.values()) query.stop();
      healthQueries.clear();
    },
  };
}
