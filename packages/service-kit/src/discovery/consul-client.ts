import { Agent } from 'node:http';
import Consul from 'consul';

export type ConsulClient = InstanceType<typeof Consul>;

/**
 * A client for the local agent; every call is bounded so a hung agent cannot hang the service.
 * `token` is the ACL token every call carries (Consul runs with ACLs default-deny).
 */
export function createConsulClient(addr: { host: string; port: number }, timeoutMs = 2_000, token?: string): ConsulClient {
  const defaults: Record<string, unknown> = { timeout: timeoutMs, ...(token ? { token } : {}) };
  // One connection, kept open: registration, readiness and drain calls are few and take turns,
  // so the process's own calls never add up against Consul's per-client connection limit.
  return new Consul({ host: addr.host, port: addr.port, defaults, agent: new Agent({ keepAlive: true, maxSockets: 1 }) });
}

/** Headers for a plain fetch to Consul's HTTP API: the one way a token travels outside the client. */
export function consulHeaders(token?: string): Record<string, string> {
  return token ? { 'X-Consul-Token': token } : {};
}

export function describeConsulError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
