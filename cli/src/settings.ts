import { join } from 'node:path';
import { platformHome, repoRoot } from '@platform/process-runner';
import { ConfigError, checkEnv } from '@platform/service-kit';
import { postgresSettingsFrom, type PostgresSettings } from './components/postgres-settings';
import { logSettingsFrom, type LogSettings } from './log-settings';
import { peopleReceiverProblems } from './alert-receivers-settings';
import { monitoringSettingsFrom, webhookProblems, type MonitoringSettings } from './monitoring-settings';
import { NODE_ROLES, nodeSettingsFrom, roleProblems, type NodeSettings } from './node-role';
import { portNumbers, settingsShape, type PortNumbers } from './settings-env';
import { tracingSettingsFrom, type TracingSettings } from './tracing-settings';

/**
 * Where the local platform keeps its state, which ports it uses and how each part behaves: the
 * one settings model of the `platform` command, read from the environment once (settings-env.ts
 * declares every variable and its default; there is no other source).
 */
export interface PlatformSettings {
  stateDir: string;
  nodeName: string;
  /** Where `platform deploy` and `up` put release folders, and how many of each service's stay. */
  releases: { dir: string; keep: number };
  /** Every port by name (settings-env.ts PORTS); the fields below name the ones they use. */
  ports: PortNumbers;
  /** Consul's ports. */
  consul: { http: number; server: number; serfLan: number; dns: number };
  /**
   * The public entry (edge HAProxy): loopback unless EDGE_BIND_HOST opens it on purpose. Plain HTTP
   * on `port` for local use, HTTPS on `tlsPort` (0 or -1: none).
   */
  edge: { host: string; port: number; tlsPort: number; tlsCertFile?: string };
  /**
   * Service instances: the prefix of their OS accounts (`<prefix>-<service>`), the services a
   * cloud node runs (`users=2` each; unset: every service of its role at its default count), and
   * the gateway's route grants file the CLI checks new routes against.
   */
  services: { userPrefix: string; onNode?: string[]; routeGrantsFile?: string };
  /** The internal HAProxy services call each other through. */
  internalLb: { host: string; port: number };
  kafka: { port: number; controllerPort: number; heapMb: number };
  /** The database load balancer: writes to the primary, reads across replicas. */
  dbLb: { host: string; writePort: number; readPort: number };
  logs: LogSettings;
  monitoring: MonitoringSettings;
  tracing: TracingSettings;
  postgres: PostgresSettings;
  /** What this machine runs: everything (local), or one role of the cloud layout. */
  node: NodeSettings;
  /**
   * `platform up --ha` (PLATFORM_HA): Consul, Kafka and OpenSearch as clusters, member i on
   * addresses[i] with the same ports as the lone node's; undefined for the small default.
   */
  ha?: { addresses: string[] };
}

/** An empty variable counts as unset, as a shell's `VAR=` line means. */
const withoutEmpty = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));

/** Reads and checks every variable at once; a ConfigError lists every problem found. */
export function loadSettings(rawEnv: NodeJS.ProcessEnv = process.env): PlatformSettings {
  const env = withoutEmpty(rawEnv);
  const checked = checkEnv(env, settingsShape);
  // What the role needs is checked even when other variables are bad, so one run names everything.
  const role = NODE_ROLES.find((r) => r === (env.PLATFORM_ROLE?.trim() ?? 'all'));
  const problems = [...(checked.ok ? peopleReceiverProblems(checked.data) : checked.problems), ...webhookProblems(env), ...(role ? roleProblems(env, role) : [])];
  if (!checked.ok || problems.length > 0) throw new ConfigError(problems);
  const values = checked.data;
  const ports = portNumbers(values);
  const node = nodeSettingsFrom(values, values.PLATFORM_NODE_NAME, ports);
  const monitoring = monitoringSettingsFrom(values, ports, node.role === 'monitoring' ? node.bindAddr : undefined);
  return {
    stateDir: values.PLATFORM_STATE_DIR ?? join(platformHome(), 'state'),
    nodeName: values.PLATFORM_NODE_NAME,
    releases: { dir: values.PLATFORM_RELEASES_DIR ?? join(platformHome(), 'releases'), keep: values.PLATFORM_RELEASES_KEEP },
    ports,
    consul: { http: ports.consulHttp, server: ports.consulServer, serfLan: ports.consulSerfLan, dns: ports.consulDns },
    edge: { host: values.EDGE_BIND_HOST, port: ports.edge, tlsPort: ports.edgeTls, tlsCertFile: values.EDGE_TLS_CERT_FILE },
    services: { userPrefix: values.PLATFORM_SERVICE_USER, onNode: values.PLATFORM_SERVICES, routeGrantsFile: values.GATEWAY_ROUTE_GRANTS_FILE },
    internalLb: { host: '127.0.0.1', port: ports.internalLb },
    dbLb: { host: '127.0.0.1', writePort: ports.dbLbWrite, readPort: ports.dbLbRead },
    kafka: { port: ports.kafka, controllerPort: ports.kafkaController, heapMb: 384 },
    logs: logSettingsFrom(values, ports),
    monitoring,
    tracing: tracingSettingsFrom(values, ports, monitoring.host),
    postgres: postgresSettingsFrom(values, ports),
    node,
    ha: values.PLATFORM_HA && node.role === 'all' ? { addresses: values.PLATFORM_HA_ADDRESSES } : undefined,
  };
}

export const statePaths = (stateDir: string) => ({
  pidFile: join(stateDir, 'supervisor.pid'),
  socket: join(stateDir, 'supervisor.sock'),
  stateFile: join(stateDir, 'state.json'),
  planFile: join(stateDir, 'plan.json'),
  logDir: join(stateDir, 'logs'),
  supervisorLog: join(stateDir, 'logs', 'supervisor.log'),
});

export { repoRoot };
