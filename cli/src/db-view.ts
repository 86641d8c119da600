import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PatroniRest, isLeaderRole, readRestCredentials, restApiPasswordFile, type ClusterMember, type RestCredentials } from '@platform/postgres';
import { consulHeaders } from '@platform/service-kit';
import { PlatformError } from '@platform/process-runner';
import { formatTable } from './table';

export const MEMBER = /^[a-z][a-z0-9-]{0,62}$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

interface CatalogEntry {
  ServiceAddress: string;
  ServicePort: number;
  ServiceMeta?: Record<string, string>;
}

/**
 * The REST API's credentials from the cluster's secrets folder (`<state>/postgres/secrets`, the
 * same path on a cloud database node): switchover, failover and reinit need them, reads do not.
 */
function restCredentials(stateDir: string): RestCredentials | undefined {
  const file = restApiPasswordFile(join(stateDir, 'postgres', 'secrets'));
  return existsSync(file) ? readRestCredentials(file) : undefined;
}

/**
 * Every Patroni member's REST API, as registered in Consul (service `patroni`), by member name.
 * Without a token that may read the catalog, Consul's default deny hides every member.
 */
export async function patroniMembers(consulAddr: string, token: string | undefined, stateDir: string): Promise<Map<string, PatroniRest>> {
  const res = await fetch(`http://${consulAddr}/v1/catalog/service/patroni`, { headers: consulHeaders(token), signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new PlatformError('PLATFORM_CONSUL_UNAVAILABLE', `Consul answered ${res.status} for the Patroni members`);
  const found = new Map<string, PatroniRest>();
  const credentials = restCredentials(stateDir);
  for (const e of (await res.json()) as CatalogEntry[]) {
    const name = e.ServiceMeta?.member ?? '';
    // Only what looks like a member on a plain address reaches a URL.
    if (MEMBER.test(name) && IPV4.test(e.ServiceAddress) && Number.isInteger(e.ServicePort) && e.ServicePort > 0 && e.ServicePort < 65_536) {
      found.set(name, new PatroniRest(`http://${e.ServiceAddress}:${e.ServicePort}`, credentials));
    }
  }
  if (found.size === 0) throw new PlatformError('PLATFORM_DB_NO_MEMBERS', 'no Patroni member is registered in Consul (is the platform up?)');
  return found;
}

/** The cluster as the first member that answers sees it. */
export async function clusterView(all: Map<string, PatroniRest>): Promise<ClusterMember[]> {
  for (const rest of all.values()) {
    const view = await rest.cluster().catch(() => undefined);
    if (view) return view;
  }
  throw new PlatformError('PLATFORM_DB_NO_MEMBERS', 'no Patroni member answers');
}

/** `platform db status --json` (docs/cli.md), also the ops console's database panel. */
export interface DbStatusView {
  leader: string | null;
  members: { name: string; role: string; state: string; host: string; port: number; timeline: number | null; lagBytes: number | null }[];
}

const lagBytes = (lag: number | string | undefined): number | null => (typeof lag === 'number' ? lag : lag !== undefined && /^\d+$/.test(lag) ? Number(lag) : null);

export function dbStatusView(view: readonly ClusterMember[]): DbStatusView {
  const members = view.map((m) => ({ name: m.name, role: m.role, state: m.state, host: m.host, port: m.port, timeline: m.timeline ?? null, lagBytes: lagBytes(m.lag) }));
  return { leader: view.find((m) => isLeaderRole(m.role))?.name ?? null, members };
}

export function dbStatusText(view: DbStatusView): string {
  const rows = view.members.map((m) => [m.name, m.role, m.state, `${m.host}:${m.port}`, String(m.timeline ?? '-'), m.lagBytes === null ? '-' : String(m.lagBytes)]);
  const table = formatTable(['MEMBER', 'ROLE', 'STATE', 'POSTGRESQL', 'TIMELINE', 'LAG (bytes)'], rows);
  return view.leader === null ? `${table}\n! no leader: writes are refused until one is elected` : table;
}

/** `platform status`'s database: the roles as Patroni sees them now (the supervisor's lines name the members only: roles change). */
export type DatabaseView = DbStatusView & { error: string | null };

export async function databaseView(consulAddr: string, token: string | undefined, stateDir: string): Promise<DatabaseView> {
  try {
    return { ...dbStatusView(await clusterView(await patroniMembers(consulAddr, token, stateDir))), error: null };
  } catch (err) {
    return { leader: null, members: [], error: err instanceof Error ? err.message : String(err) };
  }
}

export function databaseText(view: DatabaseView): string {
  return view.error === null ? dbStatusText(view) : `database: not known (${view.error})`;
}
