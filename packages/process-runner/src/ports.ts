import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { PlatformError } from './errors/coded-error';

/** Lowest port handed out: below it sit well-known and registered services' defaults. */
const LOWEST_PORT = 10_000;

/**
 * Ports are drawn from below the kernel's ephemeral range. A port there is never taken by an
 * outgoing connection's automatic local port, so a port found free stays free until a process
 * binds it on purpose; a port from the ephemeral range (what `listen(0)` returns) can be taken by
 * any connect() in the seconds between the check and the bind (seen in CI: Filebeat, started after
 * OpenSearch's 20 s boot, found its stats port used by a client connection and exited).
 */
function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > LOWEST_PORT + 1_000) return low;
  } catch {
    // Not Linux, or /proc not mounted: the IANA ephemeral range starts at 49152.
  }
  return 49_152;
}

/** Ports this process has handed out recently, so two calls in a row never return the same one. */
const handedOut = new Set<number>();
const HANDED_OUT_LIMIT = 2_000;

/** Whether nothing listens on host:port now (bound exclusively for a moment, then released). */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that is free on `host` now, chosen at random below the ephemeral range. The port is
 * released before it is returned, so another process could still take it first; callers bind it
 * soon after.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralRangeStart();
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT));
    if (handedOut.has(port)) continue;
    if (await portIsFree(port, host)) {
      if (handedOut.size >= HANDED_OUT_LIMIT) handedOut.clear();
      handedOut.add(port);
      return port;
    }
  }
  throw new PlatformError('PLATFORM_NO_FREE_PORT', `no free port found on ${host} between ${LOWEST_PORT} and ${high}`);
}
