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

/**
 * Registers the member's service with its check passing. Patroni creates its session before its
 * REST API listens, and keeps retrying (without ever listening) while Consul refuses a session
 * whose check is critical; an HTTP check starts critical whatever status it is registered with.
 * So a starting member's check is a TTL check, passing for a minute, and once the API answers it
 * is registered again as the HTTP check on /liveness under the same id. Consul keeps the
 * sessions of a re-registered check (checked by hand on 1.22).
 */
export async function registerLivenessCheck(check: LivenessCheck, phase: 'starting' | 'running'): Promise<string> {
  const id = livenessCheckId(check.scope, check.member);
  const rest = new URL(check.restUrl);
  const name = `Patroni ${check.scope}/${check.member} alive`;
  const probe =
    phase === 'starting'
      ? { CheckID: id, Name: name, TTL: '60s', Status: 'passing' }
      : {
          CheckID: id,
          Name: name,
          HTTP: `${check.restUrl}/liveness`,
          Interval: '1s',
          // A loaded machine may answer slowly; a dead member refuses the connection at once.
          Timeout: '2s',
          // Two misses in a row (a second or two), not one slow answer, end the session.
          FailuresBeforeCritical: 2,
        };
  await consulPut(check, '/v1/agent/service/register', {
    ID: patroniServiceId(check.scope, check.member),
    Name: PATRONI_SERVICE,
    Address: rest.hostname,
    Port: Number(rest.port),
    // Prometheus scrapes every instance that names its metrics port (Patroni's REST API serves /metrics).
    Meta: { scope: check.scope, member: check.member, 'metrics-port': rest.port, 'metrics-path': '/metrics' },
    Check: probe,
  });
  return id;
}

export async function deregisterLivenessCheck(check: LivenessCheck): Promise<void> {
  await consulPut(check, `/v1/agent/service/deregister/${encodeURIComponent(patroniServiceId(check.scope, check.member))}`, undefined, [404]);
}
