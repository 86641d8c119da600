import { jitteredBackoffMs } from '../util/backoff';
import type { Dispatcher } from 'undici';
import { consulGet } from './consul-http';

/**
 * One Consul blocking query loop: GET `path` with `?index=&wait=`, calling `onResult` only when the
 * index moves. Errors back off with the kit's jittered backoff (so many watchers do not stampede a
 * recovering or refusing agent) and never stop the loop; the last good result stays with the caller.
 */
export interface BlockingQueryOptions<T> {
  httpAddr: string;
  /** ACL token sent as X-Consul-Token; never put in the URL, where logs and errors could show it. */
  token?: string;
  path: string;
  waitSeconds?: number;
  /** The connection pool to use (see consulPool); by default the process-wide one. */
  pool?: Dispatcher;
  /** The result when Consul answers 404 (an empty KV prefix); without it a 404 is an error. */
  notFound?: T;
  onResult(value: T, index: string): void;
  /** `error` is a ConsulRequestError: its `kind` tells a refusal (429, 403) from an outage. */
  onError?(error: Error, attempt: number): void;
  /** Called once the first successful answer after a run of errors arrives. */
  onRecovered?(): void;
}

export interface BlockingQuery {
  stop(): void;
}

export function startBlockingQuery<T>(options: BlockingQueryOptions<T>): BlockingQuery {
  const controller = new AbortController();
  let index = '0';
  let failures = 0;
  const waitSeconds = options.waitSeconds ?? 30;
  const separator = options.path.includes('?') ? '&' : '?';

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const answer = await consulGet<T>(options.httpAddr, `${options.path}${separator}index=${index}&wait=${waitSeconds}s`, {
          token: options.token,
          pool: options.pool,
          notFound: options.notFound,
          signal: controller.signal,
          // Consul adds up to wait/16 of jitter to a blocking query; leave room for it and a slow answer.
          timeoutMs: waitSeconds * 1000 + 10_000,
        });
        if (failures > 0) options.onRecovered?.();
        failures = 0;
        const next = answer.index;
        // An index that goes backwards means Consul's state was reset (a new cluster): start over.
        if (Number(next) < Number(index)) index = '0';
        if (next !== index) {
          index = next;
          options.onResult(answer.body, next);
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        failures += 1;
        options.onError?.(err instanceof Error ? err : new Error(String(err)), failures);
        await sleepUnlessAborted(jitteredBackoffMs(failures, { firstMs: 200 }), controller.signal);
      }
    }
  };
  void loop();
  return { stop: () => controller.abort() };
}

export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
