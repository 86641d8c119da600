import { join } from 'node:path';
import { platformHome, repoRoot } from '@platform/process-runner';
import { envInt } from './env-number';
import { loadNodeSettings, type NodeSettings } from './node-role';

/**
 * Where the local platform keeps its state and which ports it uses. Every value comes from the
 * environment when set there, else from the default written here; there is no other source.
 */
export interface PlatformSettings {
  stateDir: string;
  nodeName: string;
  consul: { http: number; server: number; serfLan: number; dns: number };
  /**
   * The public entry (edge HAProxy): loopback unless EDGE_BIND_HOST opens it on purpose. Plain HTTP
   * on `port` for local use, HTTPS on `tlsPort` (0 or -1: none).
   */
  edge: { host: string; port: number; tlsPort: number };
  /** The internal HAProxy services call each other through. */
  internalLb: { host: string; port: number };
  kafka: { port: number; controllerPort: number; heapMb: number };
  /** The database load balancer: writes to the primary, reads across replicas. */
  dbLb: { host: string; writePort: number; readPort: number };
  /** What this machine runs: everything (local), or one role of the cloud layout. */
  node: NodeSettings;
}


export function loadSettings(): PlatformSettings {
  const nodeName = process.env.PLATFORM_NODE_NAME ?? 'node-1';
  return {
    stateDir: process.env.PLATFORM_STATE_DIR ?? join(platformHome(), 'state'),
    nodeName,
    consul: {
      http: envInt('CONSUL_HTTP_PORT', 8500, -1, 65535),
      server: envInt('CONSUL_SERVER_PORT', 8300, -1, 65535),
      serfLan: envInt('CONSUL_SERF_LAN_PORT', 8301, -1, 65535),
      dns: envInt('CONSUL_DNS_PORT', 8600, -1, 65535),
    },
    edge: { host: process.env.EDGE_BIND_HOST ?? '127.0.0.1', port: envInt('EDGE_PORT', 8080, -1, 65535), tlsPort: envInt('EDGE_TLS_PORT', 8443, -1, 65535) },
    internalLb: { host: '127.0.0.1', port: envInt('INTERNAL_LB_PORT', 8081, -1, 65535) },
    dbLb: { host: '127.0.0.1', writePort: envInt('DB_LB_WRITE_PORT', 6432, -1, 65535), readPort: envInt('DB_LB_READ_PORT', 6433, -1, 65535) },
    kafka: { port: envInt('KAFKA_PORT', 9092, -1, 65535), controllerPort: envInt('KAFKA_CONTROLLER_PORT', 9093, -1, 65535), heapMb: 384 },
    node: loadNodeSettings(nodeName),
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
