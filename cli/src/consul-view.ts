import { consulHeaders } from '@platform/service-kit';
import { PlatformError } from '@platform/process-runner';

/** What Consul says about the platform's services, reduced to what the CLI prints. */
export interface ConsulInstanceView {
  service: string;
  id: string;
  address: string;
  port: number;
  health: 'passing' | 'warning' | 'critical' | 'draining';
  /** The version its service definition registered (kit meta `version`), if any. */
  version: string | null;
  /** Its release (`<version>-<short hash>`, Consul meta `release`, platform/consul rollout-record.ts) when a deploy started it. */
  release: string | null;
}

interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number; Meta?: Record<string, string> | null };
  Checks: { CheckID: string; Status: 'passing' | 'warning' | 'critical' }[];
}

async function getJson<T>(url: string, token: string | undefined): Promise<T> {
  const res = await fetch(url, { headers: consulHeaders(token), signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new PlatformError('PLATFORM_CONSUL_UNAVAILABLE', `${url} answered ${res.status}`);
  return (await res.json()) as T;
}

/** `token`: the operator's (management) token; without one Consul's default-deny shows nothing. */
export async function consulInstances(httpAddr: string, token: string | undefined): Promise<ConsulInstanceView[]> {
  const catalog = await getJson<Record<string, string[]>>(`http://${httpAddr}/v1/catalog/services`, token);
  const names = Object.keys(catalog).filter((n) => n !== 'consul').sort();
  const views: ConsulInstanceView[] = [];
  for (const name of names) {
    const entries = await getJson<HealthEntry[]>(`http://${httpAddr}/v1/health/service/${encodeURIComponent(name)}`, token);
    for (const e of entries) {
      const maintenance = e.Checks.some((c) => c.CheckID.startsWith('_service_maintenance') && c.Status === 'critical');
      const statuses = e.Checks.map((c) => c.Status);
      const health = maintenance ? 'draining' : statuses.includes('critical') ? 'critical' : statuses.includes('warning') ? 'warning' : 'passing';
      views.push({ service: name, id: e.Service.ID, address: e.Service.Address, port: e.Service.Port, health, version: e.Service.Meta?.version ?? null, release: e.Service.Meta?.release ?? null });
    }
  }
  return views.sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
}
