import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import Consul from 'consul';
import { StartupError } from '../errors/kit-errors';

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

const TOKEN_SECRET = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The token in CONSUL_HTTP_TOKEN_FILE (undefined when the variable is not set). A file that is
 * missing, unreadable or holds no Consul token (a UUID) stops the start; its content is never shown.
 */
export function readConsulToken(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new StartupError(`CONSUL_HTTP_TOKEN_FILE names ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!TOKEN_SECRET.test(token)) throw new StartupError(`CONSUL_HTTP_TOKEN_FILE names ${file}, which does not hold a Consul token (a UUID)`);
  return token;
}

export function describeConsulError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
