import { activeAlerts } from '@platform/monitoring';
import type { ErrorGroupView, LogStore } from '@platform/opensearch';
import { alertViews, type AlertView } from '../commands/alerts';
import type { ConsulInstanceView } from '../consul-view';
import { clusterView, dbStatusView, patroniMembers, type DbStatusView } from '../db-view';
import { loadBalancerViews, type LoadBalancerServerView } from '../lb-view';
import { instanceViews, runningState, type InstanceView } from '../platform-view';
import { messagingView, serviceTraffic, type MessagingView, type ServiceTraffic } from './traffic';

/** One panel's data, or why its source could not be asked: one source down hides nothing else. */
export type Section<T> = { ok: true; data: T } | { ok: false; error: string };

/** `up` serves; `down` does not (crashed, restarting, failing its check, unknown to Consul). */
export type InstanceStatus = 'up' | 'down' | 'draining';

export interface ConsoleInstance extends InstanceView {
  status: InstanceStatus;
  version: string | null;
  release: string | null;
}

/** Everything the console page shows, as its `snapshot.json` answers it. */
export interface ConsoleSnapshot {
  at: string;
  instances: Section<ConsoleInstance[]>;
  loadBalancers: Section<LoadBalancerServerView[]>;
  traffic: Section<ServiceTraffic[]>;
  alerts: Section<AlertView[]>;
  messaging: Section<MessagingView>;
  database: Section<DbStatusView>;
  errorGroups: Section<ErrorGroupView[]>;
}

export interface SnapshotSources {
  stateDir: string;
  /** Read again at each collection: the token file may appear after the console started. */
  consulToken(): string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  logStore: LogStore;
  /** How many error groups the page lists. */
  errorGroups?: number;
}

/** The supervisor's view and Consul's together decide; a process alive but failing its check is down. */
export function instanceStatus(view: InstanceView): InstanceStatus {
  if (view.state === 'stopping' || view.health === 'draining') return 'draining';
  const processUp = view.state === 'running' || view.state === 'external';
  return processUp && (view.health === 'passing' || view.health === 'warning') ? 'up' : 'down';
}

const SOURCE_BUDGET_MS = 4_000;

async function section<T>(what: string, work: () => Promise<T>): Promise<Section<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${SOURCE_BUDGET_MS} ms`)), SOURCE_BUDGET_MS);
  });
  try {
    return { ok: true, data: await Promise.race([work(), late]) };
  } catch (err) {
    return { ok: false, error: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Asks every source at once; the slowest one (capped at 4 s) sets the pace. */
export async function collectSnapshot(sources: SnapshotSources): Promise<ConsoleSnapshot> {
  const state = runningState(sources.stateDir);
  const consulAddr = state?.env.CONSUL_HTTP_ADDR;
  const fleet = section('supervisor and Consul', async () => {
    if (!state) throw new Error('the platform is not running');
    return instanceViews(state, sources.consulToken());
  });
  const [instances, loadBalancers, traffic, alerts, messaging, database, errorGroups] = await Promise.all([
    fleet.then((f) => (f.ok ? { ok: true as const, data: withStatus(f.data.instances, f.data.consul) } : f)),
    fleet.then((f) => (f.ok ? section('load-balancer controllers', () => loadBalancerViews(f.data.consul)) : f)),
    section('Prometheus', () => serviceTraffic(sources.prometheusUrl)),
    section('Alertmanager', async () => alertViews(await activeAlerts(sources.alertmanagerUrl))),
    section('Prometheus', () => messagingView(sources.prometheusUrl)),
    section('Patroni', async () => {
      if (!consulAddr) throw new Error('Consul is not running');
      return dbStatusView(await clusterView(await patroniMembers(consulAddr, sources.consulToken(), sources.stateDir)));
    }),
    section('log store', () => sources.logStore.errorGroups(sources.errorGroups ?? 20)),
  ]);
  return { at: new Date().toISOString(), instances, loadBalancers, traffic, alerts, messaging, database, errorGroups };
}

function withStatus(instances: InstanceView[], consul: readonly ConsulInstanceView[]): ConsoleInstance[] {
  const registered = new Map(consul.map((c) => [c.id, c]));
  return instances.map((i) => ({ ...i, status: instanceStatus(i), version: registered.get(i.id)?.version ?? null, release: registered.get(i.id)?.release ?? null }));
}
