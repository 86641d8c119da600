import { PlatformError } from '@platform/process-runner';

/** One alert as Alertmanager's API v2 lists it. */
export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed' };
}

/** Alerts Alertmanager holds now (firing and not yet resolved), oldest first. */
export async function activeAlerts(alertmanagerUrl: string): Promise<ActiveAlert[]> {
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false`);
  if (!res.ok) throw new PlatformError('PLATFORM_MONITORING_UNAVAILABLE', `alertmanager at ${alertmanagerUrl} answered ${res.status}`);
  const alerts = (await res.json()) as ActiveAlert[];
  return alerts.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
}

/** Rule states as Prometheus evaluates them (inactive, pending, firing), per alert name. */
export async function ruleStates(prometheusUrl: string): Promise<Map<string, string>> {
  const res = await fetch(`${prometheusUrl}/api/v1/rules?type=alert`);
  if (!res.ok) throw new PlatformError('PLATFORM_MONITORING_UNAVAILABLE', `prometheus at ${prometheusUrl} answered ${res.status}`);
  const body = (await res.json()) as { data: { groups: { rules: { name: string; state: string }[] }[] } };
  return new Map(body.data.groups.flatMap((g) => g.rules.map((r) => [r.name, r.state] as const)));
}
