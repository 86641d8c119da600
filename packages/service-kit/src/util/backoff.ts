/**
 * The wait before retrying after `failures` failures in a row: doubling from `firstMs` up to
 * `maxMs`, then spread over half to one and a half times that, so many clients of one recovering
 * server (every watcher of a Consul agent, every relay or consumer of a broker, every restart of a
 * supervised process) do not come back in step. The one retry formula of the platform: reuse it
 * rather than writing another.
 */
export function jitteredBackoffMs(failures: number, options: { firstMs?: number; maxMs?: number } = {}): number {
  const firstMs = options.firstMs ?? 100;
  const maxMs = options.maxMs ?? 5_000;
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 16));
  return Math.round(base * (0.5 + Math.random()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
