import { LogStore, logStoreCredentials, type LogStoreHealth } from '@platform/opensearch';
import { consulHeaders } from '@platform/service-kit';
import { formatTable } from './table';

/** Consul's servers as `platform status --json` lists them; `error` when they cannot be asked. */
export interface ConsulServersView {
  servers: { node: string; address: string; leader: boolean; voter: boolean }[];
  error: string | null;
}

/** The log store's nodes, health and unassigned shards; `error` when it cannot be asked. */
export type LogStoreView = (LogStoreHealth & { error: null }) | { status: null; nodes: []; unassignedShards: null; error: string };

const why = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The raft peers (operator:read: the management token). */
export async function consulServersView(httpAddr: string, token: string | undefined): Promise<ConsulServersView> {
  try {
    const res = await fetch(`http://${httpAddr}/v1/operator/raft/configuration`, { headers: consulHeaders(token), signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return { servers: [], error: `${res.status} ${(await res.text()).trim()}` };
    const body = (await res.json()) as { Servers: { Node: string; Address: string; Leader: boolean; Voter: boolean }[] };
    const servers = body.Servers.map((s) => ({ node: s.Node, address: s.Address, leader: s.Leader, voter: s.Voter })).sort((a, b) => a.node.localeCompare(b.node));
    return { servers, error: null };
  } catch (err) {
    return { servers: [], error: why(err) };
  }
}

export async function logStoreView(url: string): Promise<LogStoreView> {
  const store = new LogStore({ url, requestTimeoutMs: 5_000, ...logStoreCredentials() });
  try {
    return { ...(await store.health()), error: null };
  } catch (err) {
    return { status: null, nodes: [], unassignedShards: null, error: why(err) };
  } finally {
    await store.close().catch(() => undefined);
  }
}

export function consulServersText(view: ConsulServersView): string {
  if (view.error !== null) return `consul servers: not known (${view.error})`;
  return formatTable(['CONSUL SERVER', 'ADDRESS', 'ROLE'], view.servers.map((s) => [s.node, s.address, s.leader ? 'leader' : s.voter ? 'follower' : 'non-voter']));
}

export function logStoreText(view: LogStoreView): string {
  if (view.error !== null) return `log store: unreachable (${view.error})`;
  const nodes = formatTable(['LOG STORE NODE', 'ADDRESS', 'ROLE'], view.nodes.map((n) => [n.name, n.ip, n.manager ? 'cluster manager' : 'member']));
  return `${nodes}\nlog store health ${view.status}, unassigned shards ${view.unassignedShards}`;
}
