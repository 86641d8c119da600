import type { ServicesSnapshot } from '@platform/service-kit';

/** One entry of a Prometheus file_sd file. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * Every instance that announces `metrics-port` in its Consul meta (every kit service does), named
 * by service, instance id and node, the labels the alert rules speak of. Instances in maintenance
 * are left out (an operator or a drain took them out on purpose); critical ones stay, so a crashed
 * instance is scraped, fails, and fires InstanceDown until Consul reaps it.
 */
export function scrapeTargets(snapshot: ServicesSnapshot): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const instances of snapshot.services.values()) {
    for (const instance of instances) {
      const port = Number(instance.meta['metrics-port']);
      if (!Number.isInteger(port) || port < 1 || port > 65535 || instance.health === 'maintenance') continue;
      const host = instance.address.includes(':') ? `[${instance.address}]` : instance.address;
      groups.push({
        targets: [`${host}:${port}`],
        labels: { service: instance.service, instance: instance.id, node: instance.node, __metrics_path__: instance.meta['metrics-path'] || '/metrics' },
      });
    }
  }
  return groups.sort((a, b) => (a.labels.instance ?? '').localeCompare(b.labels.instance ?? ''));
}
