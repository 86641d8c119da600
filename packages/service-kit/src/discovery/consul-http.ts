import { consulHeaders } from './consul-client';

/**
 * `refused`: Consul answered and said no (429 too many connections or requests, 403 no access);
 * it is up, and hammering it again makes it worse. `unreachable`: no answer at all (connection
 * refused, timeout) or a server-side failure (5xx, no leader). Logs and metrics tell them apart,
 * because the operator's fix differs: limits and tokens for the first, the agent for the second.
 */
export type ConsulErrorKind = 'refused' | 'unreachable';

export class ConsulRequestError extends Error {
  constructor(
    message: string,
    readonly kind: ConsulErrorKind,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ConsulRequestError';
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

/** One GET of Consul's HTTP API, its failures classified; the token travels only as a header. */
export async function consulGet<T>(httpAddr: string, path: string, options: { token?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<ConsulAnswer<T>> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  let res: Response;
  try {
    res = await fetch(`http://${httpAddr}${path}`, {
      headers: consulHeaders(options.token),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
  } catch (err) {
    throw new ConsulRequestError(`consul at ${httpAddr} did not answer ${path.split('?')[0]}: ${err instanceof Error ? err.message : String(err)}`, 'unreachable');
  }
  if (!res.ok) {
    const reason = (await res.text().catch(() => '')).trim().slice(0, 200);
    const kind = REFUSALS.has(res.status) ? 'refused' : 'unreachable';
    throw new ConsulRequestError(`consul ${kind === 'refused' ? 'refused' : 'failed'} ${path.split('?')[0]} with ${res.status}${reason ? `: ${reason}` : ''}`, kind, res.status);
  }
  return { body: (await res.json()) as T, index: res.headers.get('x-consul-index') ?? '0' };
}
