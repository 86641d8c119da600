import { readFileSync } from 'node:fs';
import { PatroniRest, isLeaderRole, type ClusterMember } from '@platform/postgres';
import { consulHeaders } from '@platform/service-kit';
import { EXIT } from '../command/command';
import { printResult } from '../command/output';
import { operatorConsulToken } from '../consul-tokens';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';
import { formatTable } from '../table';
import { PlatformError } from '@platform/process-runner';

const MEMBER = /^[a-z][a-z0-9-]{0,62}$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

interface CatalogEntry {
  ServiceAddress: string;
  ServicePort: number;
  ServiceMeta?: Record<string, string>;
}

/**
 * Every Patroni member's REST API, as registered in Consul (service `patroni`), by member name.
 * The token: CONSUL_HTTP_TOKEN_FILE's when set, else the operator's (`platform status` reads with
 * it too); without any, Consul's default deny hid every member.
 */
async function members(consulAddr: string): Promise<Map<string, PatroniRest>> {
  const tokenFile = process.env.CONSUL_HTTP_TOKEN_FILE;
  const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : operatorConsulToken(loadSettings());
  const res = await fetch(`http://${consulAddr}/v1/catalog/service/patroni`, { headers: consulHeaders(token), signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new PlatformError('PLATFORM_CONSUL_UNAVAILABLE', `Consul answered ${res.status} for the Patroni members`);
  const found = new Map<string, PatroniRest>();
  for (const e of (await res.json()) as CatalogEntry[]) {
    const name = e.ServiceMeta?.member ?? '';
    // Only what looks like a member on a plain address reaches a URL.
    if (MEMBER.test(name) && IPV4.test(e.ServiceAddress) && Number.isInteger(e.ServicePort) && e.ServicePort > 0 && e.ServicePort < 65_536) {
      found.set(name, new PatroniRest(`http://${e.ServiceAddress}:${e.ServicePort}`));
    }
  }
  if (found.size === 0) throw new PlatformError('PLATFORM_DB_NO_MEMBERS', 'no Patroni member is registered in Consul (is the platform up?)');
  return found;
}

async function clusterView(all: Map<string, PatroniRest>): Promise<ClusterMember[]> {
  for (const rest of all.values()) {
    const view = await rest.cluster().catch(() => undefined);
    if (view) return view;
  }
  throw new PlatformError('PLATFORM_DB_NO_MEMBERS', 'no Patroni member answers');
}

function memberOf(all: Map<string, PatroniRest>, name: string | undefined): PatroniRest {
  if (name === undefined || !MEMBER.test(name)) throw new PlatformError('PLATFORM_USAGE', `a member name such as pg-1 is needed, got ${JSON.stringify(name ?? '')}`);
  const rest = all.get(name);
  if (!rest) throw new PlatformError('PLATFORM_DB_UNKNOWN_MEMBER', `no member ${name}; members: ${[...all.keys()].join(', ')}`);
  return rest;
}

/** `platform db status --json` (docs/cli.md). */
export interface DbStatusView {
  leader: string | null;
  members: { name: string; role: string; state: string; host: string; port: number; timeline: number | null; lagBytes: number | null }[];
}

const lagBytes = (lag: number | string | undefined): number | null => (typeof lag === 'number' ? lag : lag !== undefined && /^\d+$/.test(lag) ? Number(lag) : null);

function dbStatusText(view: DbStatusView): string {
  const rows = view.members.map((m) => [m.name, m.role, m.state, `${m.host}:${m.port}`, String(m.timeline ?? '-'), m.lagBytes === null ? '-' : String(m.lagBytes)]);
  const table = formatTable(['MEMBER', 'ROLE', 'STATE', 'POSTGRESQL', 'TIMELINE', 'LAG (bytes)'], rows);
  return view.leader === null ? `${table}\n! no leader: writes are refused until one is elected` : table;
}

interface Cluster {
  all: Map<string, PatroniRest>;
  view: ClusterMember[];
  leader?: ClusterMember;
}

/** The running cluster through Patroni, or undefined (said on stderr) when the platform is not running. */
async function cluster(): Promise<Cluster | undefined> {
  const consulAddr = runningState(loadSettings().stateDir)?.env.CONSUL_HTTP_ADDR;
  if (!consulAddr) {
    process.stderr.write('the platform is not running (start it with: npm run up)\n');
    return undefined;
  }
  const all = await members(consulAddr);
  const view = await clusterView(all);
  return { all, view, leader: view.find((m) => isLeaderRole(m.role)) };
}

const printed = async (answer: Promise<string>): Promise<number> => {
  process.stdout.write(`${await answer}\n`);
  return EXIT.ok;
};

/** `platform db status`: exit 1 without a leader, 3 when the platform is not running. */
export async function dbStatus(json: boolean): Promise<number> {
  const found = await cluster();
  if (!found) return EXIT.notRunning;
  const members = found.view.map((m) => ({ name: m.name, role: m.role, state: m.state, host: m.host, port: m.port, timeline: m.timeline ?? null, lagBytes: lagBytes(m.lag) }));
  printResult<DbStatusView>(json, { leader: found.leader?.name ?? null, members }, dbStatusText);
  return found.leader ? EXIT.ok : EXIT.failed;
}

/** A planned switchover, to `to` or else the synchronous standby; Patroni waits for it to catch up. */
export async function dbSwitchover(to: string | undefined): Promise<number> {
  const found = await cluster();
  if (!found) return EXIT.notRunning;
  const { all, view, leader } = found;
  if (!leader) throw new PlatformError('PLATFORM_DB_NO_LEADER', 'no leader to switch over from; use platform db failover --to <member>');
  const candidate = to ?? view.find((m) => m.role === 'sync_standby')?.name;
  if (candidate !== undefined) memberOf(all, candidate);
  return printed(memberOf(all, leader.name).switchover(leader.name, candidate));
}

export async function dbFailover(to: string | undefined): Promise<number> {
  const found = await cluster();
  return found ? printed(memberOf(found.all, to).failover(to ?? '')) : EXIT.notRunning;
}

export async function dbReinit(member: string | undefined): Promise<number> {
  const found = await cluster();
  return found ? printed(memberOf(found.all, member).reinit()) : EXIT.notRunning;
}
