import { portIsFree } from '@platform/process-runner';
import { loadLogSettings } from './log-settings';
import { loadMonitoringSettings } from './monitoring-settings';
import { loadPostgresSettings } from './components/postgres-settings';
import type { PlatformSettings } from './settings';

/** A port `platform up` will listen on, with the variable that moves it. */
export interface PlannedPort {
  variable: string;
  host: string;
  port: number;
}

/** Every fixed port of the local platform (ports set to 0 or -1 are chosen free or disabled). */
export function plannedPorts(settings: PlatformSettings): PlannedPort[] {
  const local = '127.0.0.1';
  const logs = loadLogSettings();
  const monitoring = loadMonitoringSettings();
  const pg = loadPostgresSettings();
  const series = (variable: string, base: number, count: number): PlannedPort[] =>
    base > 0 ? Array.from({ length: count }, (_, i) => ({ variable, host: local, port: base + i })) : [];
  const ports: PlannedPort[] = [
    { variable: 'CONSUL_HTTP_PORT', host: local, port: settings.consul.http },
    { variable: 'CONSUL_SERVER_PORT', host: local, port: settings.consul.server },
    { variable: 'CONSUL_SERF_LAN_PORT', host: local, port: settings.consul.serfLan },
    { variable: 'CONSUL_DNS_PORT', host: local, port: settings.consul.dns },
    { variable: 'EDGE_PORT', host: settings.edge.host, port: settings.edge.port },
    { variable: 'EDGE_TLS_PORT', host: settings.edge.host, port: settings.edge.tlsPort },
    { variable: 'INTERNAL_LB_PORT', host: settings.internalLb.host, port: settings.internalLb.port },
    { variable: 'DB_LB_WRITE_PORT', host: settings.dbLb.host, port: settings.dbLb.writePort },
    { variable: 'DB_LB_READ_PORT', host: settings.dbLb.host, port: settings.dbLb.readPort },
    { variable: 'KAFKA_PORT', host: local, port: settings.kafka.port },
    { variable: 'KAFKA_CONTROLLER_PORT', host: local, port: settings.kafka.controllerPort },
    ...(logs.externalStoreUrl
      ? []
      : [
          { variable: 'OPENSEARCH_HTTP_PORT', host: local, port: logs.openSearchHttpPort },
          { variable: 'OPENSEARCH_TRANSPORT_PORT', host: local, port: logs.openSearchTransportPort },
        ]),
    { variable: 'FILEBEAT_HTTP_PORT', host: local, port: logs.filebeatHttpPort },
    { variable: 'PROMETHEUS_PORT', host: monitoring.host, port: monitoring.prometheusPort },
    { variable: 'ALERTMANAGER_PORT', host: monitoring.host, port: monitoring.alertmanagerPort },
    ...series('POSTGRES_PORT', pg.basePort, pg.replicas + 1),
    ...series('POSTGRES_ROLE_CHECK_PORT', pg.roleCheckBasePort, pg.replicas + 1),
    ...series('POSTGRES_PATRONI_PORT', pg.restBasePort, pg.replicas + 1),
  ];
  return ports.filter((p) => p.port > 0);
}

/** The planned ports something else already listens on (or that cannot be bound at all). */
export async function takenPorts(ports: readonly PlannedPort[]): Promise<PlannedPort[]> {
  const free = await Promise.all(ports.map(({ port, host }) => portIsFree(port, host)));
  return ports.filter((_, i) => !free[i]);
}
