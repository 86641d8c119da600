/**
 * The wait before retrying a polled source after `failures` failures in a row: doubling from
 * `firstMs` up to `maxMs`, then spread over half to one and a half times that, so many clients of
 * one recovering server (every watcher of a Consul agent, every relay of a broker) do not come
 * back in step. The one retry formula of the kit: reuse it rather than writing another.
 */
export function jitteredBackoffMs(failures: number, options: { firstMs?: number; maxMs?: number } = {}): number {
  const firstMs = options.firstMs ?? 100;
  const maxMs = options.maxMs ?? 5_000;
  const base = Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 16));
  return base * (0.5 + Math.random());
}
