import { httpRequest } from './http-client';

export interface LoadResult {
  sent: number;
  ok: number;
  failures: { status?: number; error?: string; at: number }[];
  byInstance: Map<string, number>;
}

export interface LoadRun {
  /** Stops sending, waits for the requests in flight, and returns what happened. */
  stop(): Promise<LoadResult>;
  result: LoadResult;
}

/**
 * Constant load from this process: `concurrency` loops each sending one request after another,
 * until stopped or `maxRequests`/`maxMs` is reached (a load test here is always bounded).
 */
export function startLoad(options: { addr: string; path: string; host: string; headers?: Record<string, string>; concurrency?: number; maxRequests?: number; maxMs?: number; method?: string }): LoadRun {
  const result: LoadResult = { sent: 0, ok: 0, failures: [], byInstance: new Map() };
  const maxRequests = options.maxRequests ?? 200_000;
  const deadline = Date.now() + (options.maxMs ?? 120_000);
  let stopped = false;
  const loop = async (): Promise<void> => {
    while (!stopped && result.sent < maxRequests && Date.now() < deadline) {
      result.sent += 1;
      try {
        const res = await httpRequest(options.addr, options.path, { method: options.method, host: options.host, headers: options.headers });
        const text = res.body;
        if (res.status === 200) {
          result.ok += 1;
          const instance = (JSON.parse(text) as { instance?: string }).instance;
          if (instance) result.byInstance.set(instance, (result.byInstance.get(instance) ?? 0) + 1);
        } else {
          result.failures.push({ status: res.status, at: Date.now() });
        }
      } catch (err) {
        result.failures.push({ error: err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err), at: Date.now() });
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 6 }, loop);
  return {
    result,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return result;
    },
  };
}
