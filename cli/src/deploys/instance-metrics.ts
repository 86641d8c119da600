import { consulInstances } from '../consul-view';
import { emptyStats, requestStats, statsDelta, sumStats, type RequestStats } from './canary-analysis';
import type { Fleet } from './fleet';

/** Each instance's request stats, by instance id, read from its own /metrics (the kit's registry). */
export type StatsByInstance = Map<string, { release: string; stats: RequestStats }>;

/**
 * Reads every instance of the service directly (the address Consul has for it): the figures are
 * those of this very moment, not of Prometheus's last scrape. An instance that does not answer is
 * left out of this reading.
 */
export async function scrapeService(fleet: Fleet, service: string): Promise<StatsByInstance> {
  const { addr, token } = fleet.consul();
  const view = await consulInstances(addr, token).catch(() => []);
  const found: StatsByInstance = new Map();
  await Promise.all(
    fleet.instances(service).map(async (instance) => {
      const entry = view.find((v) => v.id === instance.state.id);
      if (!entry || !instance.state.release) return;
      try {
        const res = await fetch(`http://${entry.address}:${entry.port}/metrics`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) found.set(instance.state.id, { release: instance.state.release, stats: requestStats(await res.text()) });
      } catch {
        // Not answering now: its requests are counted at the next reading.
      }
    }),
  );
  return found;
}

/** What each release served between two readings (instances summed). */
export function servedSince(before: StatsByInstance, after: StatsByInstance, release: string): RequestStats {
  const deltas = [...after].filter(([, a]) => a.release === release).map(([id, a]) => statsDelta(a.stats, before.get(id)?.stats ?? emptyStats()));
  return sumStats(deltas);
}
