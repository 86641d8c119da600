import { Agent, request, type Dispatcher } from 'undici';
import { KitError } from '../errors/kit-errors';
import { consulHeaders } from './consul-client';

/**
 * `refused`: Consul answered and said no (429 too many connections or requests, 403 no access);
 * it is up, and hammering it again makes it worse. `unreachable`: no answer at all (connection
 * refused, timeout) or a server-side failure (5xx, no leader). Logs and metrics tell them apart,
 * because the operator's fix differs: limits and tokens for the first, the agent for the second.
 */
export type ConsulErrorKind = 'refused' | 'unreachable';

export class ConsulRequestError extends KitError {
  constructor(
    message: string,
    readonly kind: ConsulErrorKind,
    readonly status?: number,
  ) {
    super('KIT_CONSUL_REQUEST_FAILED', message, kind === 'unreachable');
  }
}

export function consulErrorKind(error: unknown): ConsulErrorKind {
  return error instanceof ConsulRequestError ? error.kind : 'unreachable';
}

const REFUSALS = new Set([403, 429]);

export interface ConsulAnswer<T> {
  body: T;
  /** X-Consul-Index: the raft index this answer reflects. */
  index: string;
}

/**
 * A pool of at most `connections` connections to Consul, kept open between requests: what bounds
 * the connections a process holds, whatever it asks and how often. Requests beyond it wait their turn.
 */
export const consulPool = (connections: number): Dispatcher => new Agent({ connections, keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });

/**
 * One GET of Consul's HTTP API, its failures classified; the token travels only as a header.
 * `notFound`: the answer to a 404, which for a KV prefix with no key is "empty", not a failure
 * (Consul still sends its index, so a blocking query on an empty prefix blocks as usual).
 */
export async function consulGet<T>(httpAddr: string, path: string, options: { token?: string; signal?: AbortSignal; timeoutMs?: number; pool?: Dispatcher; notFound?: T }): Promise<ConsulAnswer<T>> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(`http://${httpAddr}${path}`, {
      headers: consulHeaders(options.token),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      ...(options.pool ? { dispatcher: options.pool } : {}),
    });
  } catch (err) {
    throw new ConsulRequestError(`consul at ${httpAddr} did not answer ${path.split('?')[0]}: ${err instanceof Error ? err.message : String(err)}`, 'unreachable');
  }
  const index = res.headers['x-consul-index'];
  const consulIndex = typeof index === 'string' ? index : '0';
  if (res.statusCode === 404 && options.notFound !== undefined) {
    await res.body.dump();
    return { body: options.notFound, index: consulIndex };
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    const reason = (await res.body.text().catch(() => '')).trim().slice(0, 200);
    const kind = REFUSALS.has(res.statusCode) ? 'refused' : 'unreachable';
    throw new ConsulRequestError(`consul ${kind === 'refused' ? 'refused' : 'failed'} ${path.split('?')[0]} with ${res.statusCode}${reason ? `: ${reason}` : ''}`, kind, res.statusCode);
  }
  return { body: (await res.body.json()) as T, index: consulIndex };
}
