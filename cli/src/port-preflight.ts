import { portIsFree } from '@platform/process-runner';
import { PORTS, type PortName } from './settings-env';
import type { PlatformSettings } from './settings';

/** A port `platform up` will listen on, with the variable that moves it. */
export interface PlannedPort {
  variable: string;
  host: string;
  port: number;
}

/** The ports each cluster member listens on at its own address under --ha (the same numbers as the lone node's). */
const CLUSTER_MEMBER_PORTS: readonly PortName[] = ['consulHttp', 'consulServer', 'consulSerfLan', 'kafka', 'kafkaController', 'openSearchHttp', 'openSearchTransport'];

/** Every fixed port of the local platform, from the one list of ports (0 or -1: chosen free or disabled). */
export function plannedPorts(settings: PlatformSettings): PlannedPort[] {
  const hosts = { loopback: '127.0.0.1', edge: settings.edge.host, monitoring: settings.monitoring.host };
  return (Object.entries(PORTS) as [PortName, (typeof PORTS)[PortName]][]).flatMap(([name, spec]) => {
    const base = settings.ports[name];
    if (base <= 0 || ('ownLogStoreOnly' in spec && settings.logs.externalStoreUrl) || ('ownTraceStoreOnly' in spec && settings.tracing.externalOtlpUrl)) return [];
    const count = 'perDatabaseServer' in spec ? settings.postgres.replicas + 1 : 1;
    const members = settings.ha && CLUSTER_MEMBER_PORTS.includes(name) ? settings.ha.addresses : [];
    return [...Array.from({ length: count }, (_, i) => ({ variable: spec.variable, host: hosts[spec.host], port: base + i })), ...members.map((host) => ({ variable: spec.variable, host, port: base }))];
  });
}

/** The planned ports something else already listens on (or that cannot be bound at all). */
export async function takenPorts(ports: readonly PlannedPort[]): Promise<PlannedPort[]> {
  const free = await Promise.all(ports.map(({ port, host }) => portIsFree(port, host)));
  return ports.filter((_, i) => !free[i]);
}
