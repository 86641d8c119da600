import { readFileSync } from 'node:fs';
import { PatroniRest, isLeaderRole, type ClusterMember } from '@platform/postgres';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';
import { formatTable } from '../table';

const MEMBER = /^[a-z][a-z0-9-]{0,62}$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

interface CatalogEntry {
  ServiceAddress: string;
  ServicePort: number;
  ServiceMeta?: Record<string, string>;
}

/** Every Patroni member's REST API, as registered in Consul (service `patroni`), by member name. */
async function members(consulAddr: string): Promise<Map<string, PatroniRest>> {
  const tokenFile = process.env.CONSUL_HTTP_TOKEN_FILE;
  const headers: Record<string, string> = tokenFile ? { 'x-consul-token': readFileSync(tokenFile, 'utf8').trim() } : {};
  const res = await fetch(`http://${consulAddr}/v1/catalog/service/patroni`, { headers, signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`Consul answered ${res.status} for the Patroni members`);
  const found = new Map<string, PatroniRest>();
  for (const e of (await res.json()) as CatalogEntry[]) {
    const name = e.ServiceMeta?.member ?? '';
    // Only what looks like a member on a plain address reaches a URL.
    if (MEMBER.test(name) && IPV4.test(e.ServiceAddress) && Number.isInteger(e.ServicePort) && e.ServicePort > 0 && e.ServicePort < 65_536) {
      found.set(name, new PatroniRest(`http://${e.ServiceAddress}:${e.ServicePort}`));
    }
  }
  if (found.size === 0) throw new Error('no Patroni member is registered in Consul (is the platform up?)');
  return found;
}

async function clusterView(all: Map<string, PatroniRest>): Promise<ClusterMember[]> {
  for (const rest of all.values()) {
    const view = await rest.cluster().catch(() => undefined);
    if (view) return view;
  }
  throw new Error('no Patroni member answers');
}

function memberOf(all: Map<string, PatroniRest>, name: string | undefined): PatroniRest {
  if (name === undefined || !MEMBER.test(name)) throw new Error(`a member name such as pg-1 is needed, got ${JSON.stringify(name ?? '')}`);
  const rest = all.get(name);
  if (!rest) throw new Error(`no member ${name}; members: ${[...all.keys()].join(', ')}`);
  return rest;
}

const statusRows = (view: readonly ClusterMember[]): string[][] =>
  view.map((m) => [m.name, m.role, m.state, `${m.host}:${m.port}`, String(m.timeline ?? '-'), m.lag === undefined ? '-' : String(m.lag)]);

/**
 * `platform db status|switchover [--to M]|failover --to M|reinit M`, through Patroni's REST API.
 * A switchover waits for the candidate (by default the synchronous standby) to be caught up.
 */
export async function db(action: string | undefined, options: { to?: string; member?: string }): Promise<number> {
  const state = runningState(loadSettings().stateDir);
  const consulAddr = state?.env.CONSUL_HTTP_ADDR;
  if (!consulAddr) {
    process.stdout.write('the platform is not running (start it with: npm run up)\n');
    return 3;
  }
  const all = await members(consulAddr);
  const view = await clusterView(all);
  const leader = view.find((m) => isLeaderRole(m.role));
  switch (action) {
    case 'status':
      process.stdout.write(`${formatTable(['MEMBER', 'ROLE', 'STATE', 'POSTGRESQL', 'TIMELINE', 'LAG (bytes)'], statusRows(view))}\n`);
      if (!leader) process.stdout.write('! no leader: writes are refused until one is elected\n');
      return leader ? 0 : 1;
    case 'switchover': {
      if (!leader) throw new Error('no leader to switch over from; use failover --to <member>');
      const candidate = options.to ?? view.find((m) => m.role === 'sync_standby')?.name;
      if (candidate !== undefined) memberOf(all, candidate);
      process.stdout.write(`${await memberOf(all, leader.name).switchover(leader.name, candidate)}\n`);
      return 0;
    }
    case 'failover':
      process.stdout.write(`${await memberOf(all, options.to).failover(options.to ?? '')}\n`);
      return 0;
    case 'reinit':
      process.stdout.write(`${await memberOf(all, options.member).reinit()}\n`);
      return 0;
    default:
      throw new Error(`platform db needs status, switchover [--to <member>], failover --to <member> or reinit <member>; got ${JSON.stringify(action ?? '')}`);
  }
}
