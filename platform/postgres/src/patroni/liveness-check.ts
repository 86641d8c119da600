/**
 * Patroni on Consul holds the leader lock through a session whose only clock is its TTL (at
 * least 10 s, doubled by Consul). A Consul check on the member's /liveness endpoint, named in the
 * session's checks, releases the lock as soon as the member's Patroni stops answering: a lost
 * member costs about one check interval instead of up to 2 x TTL. /liveness keeps answering while
 * Patroni restarts a crashed PostgreSQL, so that alone causes no failover.
 *
 * The check belongs to a service of its own (`patroni`, one instance per member, port = the
 * REST API): a node-level check would mark every service of the node critical when one member
 * dies. Nothing routes to `patroni` (it has no protocol meta); Prometheus scrapes its /metrics, which
 * the Postgres* alerts read.
 */
export const PATRONI_SERVICE = 'patroni';
export const patroniServiceId = (scope: string, member: string): string => `patroni-${scope}-${member}`;
export const livenessCheckId = (scope: string, member: string): string => `patroni-${scope}-${member}-alive`;

export interface LivenessCheck {
  consulAddr: string;
  token?: string;
  scope: string;
  member: string;
  restUrl: string;
  /** STARTING_GRACE_S unless a test wants it shorter. */
  startingGraceS?: number;
}

async function consulPut(check: LivenessCheck, path: string, body?: unknown, alsoFine: readonly number[] = []): Promise<void> {
  const res = await fetch(`http://${check.consulAddr}${path}`, {
    method: 'PUT',
    headers: check.token ? { 'x-consul-token': check.token } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok && !alsoFine.includes(res.status)) throw new Error(`Consul refused ${path} (${res.status}): ${(await res.text()).trim()}`);
}

/** How long a starting member's check stays passing while its REST API does not answer yet. */
export const STARTING_GRACE_S = 60;
/** A TTL that never runs out in a member's life (Consul takes Go durations up to ~290 years). */
const NEVER = '87600h';

/**
 * Registers the member's service with its check passing. Patroni creates its session before its
 * REST API listens, and keeps retrying (without ever listening) while Consul refuses a session
 * whose check is critical; an HTTP check turns critical at its first failure, whatever status and
 * threshold it is registered with (the threshold counts only after a success). So a starting
 * member's check is a TTL check, passing for a minute, and once the API answers it is registered
 * again as the HTTP check on /liveness under the same id. Consul keeps the sessions and the status
 * of a re-registered check (checked by hand on 1.22), but stops its old monitor only when the type
 * is the same: the minute's TTL would still run out after the switch to HTTP and end every session
 * on the check, the leader's lock with them (it did, a minute after every start). So the TTL is
 * first replaced by one that never runs out.
 */
export async function registerLivenessCheck(check: LivenessCheck, phase: 'starting' | 'running'): Promise<string> {
  const id = livenessCheckId(check.scope, check.member);
  const rest = new URL(check.restUrl);
  const name = `Patroni ${check.scope}/${check.member} alive`;
  const register = (probe: Record<string, unknown>): Promise<void> =>
    consulPut(check, '/v1/agent/service/register', {
      ID: patroniServiceId(check.scope, check.member),
      Name: PATRONI_SERVICE,
      Address: rest.hostname,
      Port: Number(rest.port),
      // Prometheus scrapes every instance that names its metrics port (Patroni's REST API serves /metrics).
      Meta: { scope: check.scope, member: check.member, 'metrics-port': rest.port, 'metrics-path': '/metrics' },
      Check: { CheckID: id, Name: name, ...probe },
    });
  const ttl = (seconds: number | string): Record<string, unknown> => ({ TTL: typeof seconds === 'number' ? `${seconds}s` : seconds, Status: 'passing' });
  if (phase === 'starting') {
    await register(ttl(check.startingGraceS ?? STARTING_GRACE_S));
    return id;
  }
  await register(ttl(NEVER));
  await register({
    HTTP: `${check.restUrl}/liveness`,
    Interval: '1s',
    // A loaded machine may answer slowly; a dead member refuses the connection at once.
    Timeout: '2s',
    // Two misses in a row (a second or two), not one slow answer, end the session.
    FailuresBeforeCritical: 2,
  });
  return id;
}

export async function deregisterLivenessCheck(check: LivenessCheck): Promise<void> {
  await consulPut(check, `/v1/agent/service/deregister/${encodeURIComponent(patroniServiceId(check.scope, check.member))}`, undefined, [404]);
}
