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

/**
 * Ports fetch() refuses to connect to (the WHATWG fetch standard's "bad ports", as undici and every
 * browser apply them): the platform checks its components over HTTP with fetch, so a component on
 * one of these would never be seen ready (seen in CI: Alertmanager drawn on 10080, "fetch failed"
 * for 30 s while it listened).
 */
const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
  139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723,
  2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

export const isFetchBlockedPort = (port: number): boolean => FETCH_BLOCKED_PORTS.has(port);

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
 * The share of the port range this process draws from: `PLATFORM_PORT_SLICE=k/n` takes the ports
 * p with p mod n = k - 1. Runs that check-then-bind at the same time on one machine (the test
 * runner's parallel workers, each passing its slice on to the processes it starts) then never draw
 * the same port; the check alone cannot stop two of them taking a port in the same moment (seen
 * in CI: a Consul agent of one worker exited on a port another worker's process had just bound).
 */
function portSlice(): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(process.env.PLATFORM_PORT_SLICE ?? '');
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > 64 || index < 1 || index > count) return { index: 1, count: 1 };
  return { index, count };
}

/**
 * A TCP port that is free on `host` now, chosen at random below the ephemeral range (within this
 * process's slice, see portSlice). The port is
 * released before it is returned, so another process could still take it first; callers bind it
 * soon after.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const high = ephemeralRangeStart();
  const slice = portSlice();
  const slots = Math.floor((high - LOWEST_PORT) / slice.count);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * slots) * slice.count + (slice.index - 1);
    if (handedOut.has(port) || isFetchBlockedPort(port)) continue;
    if (await portIsFree(port, host)) {
      if (handedOut.size >= HANDED_OUT_LIMIT) handedOut.clear();
      handedOut.add(port);
      return port;
    }
  }
  throw new PlatformError('PLATFORM_NO_FREE_PORT', `no free port found on ${host} between ${LOWEST_PORT} and ${high}`);
}
