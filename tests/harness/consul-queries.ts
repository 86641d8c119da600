/** Plain reads of Consul's HTTP API, independent of the kit's client, so tests check what Consul says. */

export interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Checks: { CheckID: string; Status: 'passing' | 'warning' | 'critical'; ServiceID: string }[];
}

/** The token tests read Consul with, per agent address (the management token of an agent a test started). */
const operatorTokens = new Map<string, string>();

export function rememberOperatorToken(httpAddr: string, token: string): void {
  operatorTokens.set(httpAddr, token);
}

/** Headers for a test's own call to the agent at `httpAddr`: its operator token when one is known. */
export function operatorHeaders(httpAddr: string): Record<string, string> {
  const token = operatorTokens.get(httpAddr);
  return token ? { 'X-Consul-Token': token } : {};
}

/** fetch() to Consul's HTTP API at `httpAddr` with the operator token. */
export function consulFetch(httpAddr: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://${httpAddr}${path}`, { ...init, headers: { ...operatorHeaders(httpAddr), ...(init.headers as Record<string, string> | undefined) } });
}

/** One call to the agent at `httpAddr` with `token` (a role's: what Consul allows it); a string body is sent as is, anything else as JSON. */
export function callWithToken(httpAddr: string, path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`http://${httpAddr}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'X-Consul-Token': token },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
}

export async function healthOf(httpAddr: string, service: string, passingOnly = false): Promise<HealthEntry[]> {
  const res = await consulFetch(httpAddr, `/v1/health/service/${encodeURIComponent(service)}${passingOnly ? '?passing=true' : ''}`);
  if (!res.ok) throw new Error(`consul health query failed: ${res.status}`);
  return (await res.json()) as HealthEntry[];
}

export async function passingIds(httpAddr: string, service: string): Promise<string[]> {
  return (await healthOf(httpAddr, service, true)).map((e) => e.Service.ID);
}

/** The worst status among an instance's checks (serf health, maintenance and its own). */
export async function instanceStatus(httpAddr: string, service: string, id: string): Promise<string | undefined> {
  const entry = (await healthOf(httpAddr, service)).find((e) => e.Service.ID === id);
  if (!entry) return undefined;
  const statuses = entry.Checks.map((c) => c.Status);
  return statuses.includes('critical') ? 'critical' : statuses.includes('warning') ? 'warning' : 'passing';
}
