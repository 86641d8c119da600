import { consulHeaders } from './consul-client';

/**
 * One Consul blocking query loop: GET `path` with `?index=&wait=`, calling `onResult` only when the
 * index moves. Errors back off exponentially with jitter (so many watchers do not stampede a
 * recovering agent) and never stop the loop; the last good result stays with the caller.
 */
export interface BlockingQueryOptions<T> {
  httpAddr: string;
  /** ACL token sent as X-Consul-Token; never put in the URL, where logs and errors could show it. */
  token?: string;
  path: string;
  waitSeconds?: number;
  onResult(value: T, index: string): void;
  onError?(error: Error, attempt: number): void;
  /** Called once the first successful answer after a run of errors arrives. */
  onRecovered?(): void;
}

export interface BlockingQuery {
  stop(): void;
}

const MAX_BACKOFF_MS = 5_000;

export function startBlockingQuery<T>(options: BlockingQueryOptions<T>): BlockingQuery {
  const controller = new AbortController();
  let index = '0';
  let failures = 0;
  const wait = `${options.waitSeconds ?? 30}s`;
  const separator = options.path.includes('?') ? '&' : '?';

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const url = `http://${options.httpAddr}${options.path}${separator}index=${index}&wait=${wait}`;
        const res = await fetch(url, {
          headers: consulHeaders(options.token),
          signal: AbortSignal.any([controller.signal, AbortSignal.timeout((options.waitSeconds ?? 30) * 1000 + 10_000)]),
        });
        if (!res.ok) throw new Error(`consul answered ${res.status} for ${options.path}`);
        const next = res.headers.get('x-consul-index') ?? '0';
        const body = (await res.json()) as T;
        if (failures > 0) options.onRecovered?.();
        failures = 0;
        // An index that goes backwards means Consul's state was reset (a new cluster): start over.
        if (Number(next) < Number(index)) index = '0';
        if (next !== index) {
          index = next;
          options.onResult(body, next);
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        failures += 1;
        options.onError?.(err instanceof Error ? err : new Error(String(err)), failures);
        const base = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 10));
        await sleepUnlessAborted(base / 2 + Math.random() * base, controller.signal);
      }
    }
  };
  void loop();
  return { stop: () => controller.abort() };
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
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
