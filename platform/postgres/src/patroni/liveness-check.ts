/**
 * Patroni on Consul holds the leader lock through a session whose only clock is its TTL (at
 * least 10 s, doubled by Consul). A Consul check on the member's /liveness endpoint, named in the
 * session's checks, releases the lock as soon as the member's Patroni stops answering: a lost
 * member costs about one check interval instead of up to 2 x TTL. /liveness keeps answering while
 * Patroni restarts a crashed PostgreSQL, so that alone causes no failover.
 */
export const livenessCheckId = (scope: string, member: string): string => `patroni-${scope}-${member}-alive`;

export interface LivenessCheck {
  consulAddr: string;
  token?: string;
  scope: string;
  member: string;
  restUrl: string;
}

async function consulPut(check: LivenessCheck, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`http://${check.consulAddr}${path}`, {
    method: 'PUT',
    headers: check.token ? { 'x-consul-token': check.token } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`Consul refused ${path} (${res.status}): ${(await res.text()).trim()}`);
}

/**
 * Registers (or re-registers) the check as passing: Patroni creates its session before its REST
 * API listens, and Consul refuses a session whose check is critical.
 */
export async function registerLivenessCheck(check: LivenessCheck): Promise<string> {
  const id = livenessCheckId(check.scope, check.member);
  await consulPut(check, '/v1/agent/check/register', {
    ID: id,
    Name: `Patroni ${check.scope}/${check.member} alive`,
    HTTP: `${check.restUrl}/liveness`,
    Interval: '1s',
    // A loaded machine may answer slowly; a dead member refuses the connection at once.
    Timeout: '2s',
    Status: 'passing',
    // Patroni opens its session before its REST API listens: two misses in a row, not the first
    // probe of a starting member, make the check critical (and end the session).
    FailuresBeforeCritical: 2,
  });
  return id;
}

export async function deregisterLivenessCheck(check: LivenessCheck): Promise<void> {
  await consulPut(check, `/v1/agent/check/deregister/${encodeURIComponent(livenessCheckId(check.scope, check.member))}`);
}
