import { join } from 'node:path';
import { platformHome, repoRoot } from '@platform/consul';

/**
 * Where the local platform keeps its state and which ports it uses. Every value comes from the
 * environment when set there, else from the default written here; there is no other source.
 */
export interface PlatformSettings {
  stateDir: string;
  nodeName: string;
  consul: { http: number; server: number; serfLan: number; dns: number };
  /** The public entry (edge HAProxy): loopback unless EDGE_BIND_HOST opens it on purpose. */
  edge: { host: string; port: number };
  /** The internal HAProxy services call each other through. */
  internalLb: { host: string; port: number };
  kafka: { port: number; controllerPort: number; heapMb: number };
  /** The database load balancer: writes to the primary, reads across replicas. */
  dbLb: { host: string; writePort: number; readPort: number };
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < -1 || value > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535 (or -1 to disable), got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function loadSettings(): PlatformSettings {
  return {
    stateDir: process.env.PLATFORM_STATE_DIR ?? join(platformHome(), 'state'),
    nodeName: process.env.PLATFORM_NODE_NAME ?? 'node-1',
    consul: {
      http: portFrom('CONSUL_HTTP_PORT', 8500),
      server: portFrom('CONSUL_SERVER_PORT', 8300),
      serfLan: portFrom('CONSUL_SERF_LAN_PORT', 8301),
      dns: portFrom('CONSUL_DNS_PORT', 8600),
    },
    edge: { host: process.env.EDGE_BIND_HOST ?? '127.0.0.1', port: portFrom('EDGE_PORT', 8080) },
    internalLb: { host: '127.0.0.1', port: portFrom('INTERNAL_LB_PORT', 8081) },
    dbLb: { host: '127.0.0.1', writePort: portFrom('DB_LB_WRITE_PORT', 6432), readPort: portFrom('DB_LB_READ_PORT', 6433) },
    kafka: { port: portFrom('KAFKA_PORT', 9092), controllerPort: portFrom('KAFKA_CONTROLLER_PORT', 9093), heapMb: 384 },
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
