import { parseRolloutRecord, rolloutKey, type RolloutRecord } from '@platform/consul';
import { PlatformError } from '@platform/process-runner';
import { consulHeaders } from '@platform/service-kit';

/** Where the supervisor reaches Consul for deploys, with the `deployer` token (KV write on platform/rollouts/ only). */
export interface ConsulAccess {
  addr: string;
  token: string | undefined;
}

/** One call to the local Consul agent's HTTP API with the deployer's token; `alsoFine` statuses are answers too. */
export async function consulRequest(access: ConsulAccess, method: 'GET' | 'PUT' | 'DELETE', path: string, body?: string, alsoFine: readonly number[] = []): Promise<Response> {
  const res = await fetch(`http://${access.addr}${path}`, { method, headers: consulHeaders(access.token), body, signal: AbortSignal.timeout(5_000) });
  if (!res.ok && !alsoFine.includes(res.status)) throw new PlatformError('PLATFORM_CONSUL_UNAVAILABLE', `Consul answered ${res.status} to ${method} ${path}`);
  return res;
}

const kv = (access: ConsulAccess, service: string, method: 'GET' | 'PUT' | 'DELETE', body?: string): Promise<Response> =>
  consulRequest(access, method, `/v1/kv/${rolloutKey(service)}${method === 'GET' ? '?raw' : ''}`, body, method === 'GET' ? [404] : []);

/** Writes the split the load balancers apply (platform/consul rollout-record.ts is the contract). */
export async function writeRollout(access: ConsulAccess, record: Omit<RolloutRecord, 'updatedAt'>): Promise<RolloutRecord> {
  const full: RolloutRecord = { ...record, updatedAt: new Date().toISOString() };
  // Parsed as the controllers will parse it: a record they would refuse is never written.
  parseRolloutRecord(JSON.stringify(full));
  await kv(access, record.service, 'PUT', JSON.stringify(full));
  return full;
}

export async function deleteRollout(access: ConsulAccess, service: string): Promise<void> {
  await kv(access, service, 'DELETE');
}

/** The record in KV now, or null; one that does not parse is reported as such (PLATFORM_ROLLOUT_RECORD). */
export async function readRollout(access: ConsulAccess, service: string): Promise<RolloutRecord | null> {
  const res = await kv(access, service, 'GET');
  return res.status === 404 ? null : parseRolloutRecord(await res.text());
}
