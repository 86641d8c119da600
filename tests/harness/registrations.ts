import { consulFetch } from './consul-queries';

/**
 * Registrations a test (or a bench) makes in Consul by hand, through the agent's HTTP API: the one
 * place where tests write to Consul, so the ACL token they need is added here and nowhere else.
 */
export interface TestRegistration {
  id: string;
  name: string;
  /** Empty: the node's address, as Consul does it. */
  address?: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  /** A TTL check that starts in this status; `none` registers the instance without any check. */
  check?: 'passing' | 'critical' | 'none';
}

/** Every write goes with the operator token of the agent the test started (consul-queries). */
async function consulPut(httpAddr: string, path: string, body?: unknown): Promise<void> {
  const res = await consulFetch(httpAddr, path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`consul refused PUT ${path.split('?')[0]}: ${res.status} ${(await res.text()).slice(0, 200)}`);
}

export const checkIdOf = (instanceId: string): string => `ttl-${instanceId}`;

export function registerService(httpAddr: string, r: TestRegistration): Promise<void> {
  const check = r.check ?? 'passing';
  return consulPut(httpAddr, '/v1/agent/service/register', {
    ID: r.id,
    Name: r.name,
    Address: r.address ?? '',
    Port: r.port,
    Tags: r.tags ?? [],
    Meta: r.meta ?? {},
    ...(check === 'none' ? {} : { Check: { CheckID: checkIdOf(r.id), Name: `ttl of ${r.id}`, TTL: '30m', Status: check } }),
  });
}

/** Registers many, a few at a time (the agent serialises them anyway). */
export async function registerAll(httpAddr: string, registrations: readonly TestRegistration[], concurrency = 8): Promise<void> {
  const queue = [...registrations];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await registerService(httpAddr, next);
    }),
  );
}

export function deregisterService(httpAddr: string, id: string): Promise<void> {
  return consulPut(httpAddr, `/v1/agent/service/deregister/${encodeURIComponent(id)}`);
}

/** The kit's shutdown signal (and an operator's): drains the instance in every load balancer. */
export function setMaintenance(httpAddr: string, id: string, enable: boolean): Promise<void> {
  return consulPut(httpAddr, `/v1/agent/service/maintenance/${encodeURIComponent(id)}?enable=${enable}&reason=test`);
}

export function setCheck(httpAddr: string, id: string, status: 'pass' | 'fail'): Promise<void> {
  return consulPut(httpAddr, `/v1/agent/check/${status}/${encodeURIComponent(checkIdOf(id))}`);
}
