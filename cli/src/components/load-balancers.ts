import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { controllerEntry } from '@platform/haproxy';
import { pidAlive, readSecretFile, runningAsRoot, waitFor } from '@platform/process-runner';
import { MAX_REPLICA_LAG_VAR, consulHeaders } from '@platform/service-kit';
import { consulTokenFile } from '../consul-tokens';
import { LB_ROLES } from '../node-role';
import { InstanceSlot } from '../supervisor/instance-slot';
import { serviceAccountName } from '../supervisor/service-accounts';
import type { PlatformComponent } from './component';
import { waitForDbListeners } from './db-listeners-ready';
import { edgeTls, type EdgeTls } from './edge-tls';

interface LbSpec {
  role: 'edge' | 'internal' | 'db';
  host: string;
  port: number;
  extraEnv?: Record<string, string>;
  tls?: EdgeTls;
}

/** The same database URL, pointed at another listener (credentials stay in DB_PASSWORD_FILE). */
function repoint(url: string | undefined, host: string, port: number): string | undefined {
  if (!url) return undefined;
  const parsed = new URL(url);
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.toString();
}

function describeLb(spec: LbSpec): string[] {
  switch (spec.role) {
    case 'edge': {
      const plain = `API gateway (edge) http://${spec.host}:${spec.port}/   (the public entry: callers start here)`;
      if (!spec.tls) return [plain];
      return [plain, `                   ${spec.tls.url}${spec.tls.caCert ? `   (curl --cacert ${spec.tls.caCert})` : ''}`];
    }
    case 'internal':
      return [`internal LB        http://${spec.host}:${spec.port}/   (services call each other here with Host: <service>)`];
    case 'db':
      return [`database LB        writes ${spec.host}:${spec.port} (primary), reads ${spec.extraEnv?.LB_READ_BIND ?? '?'} (replicas within the lag bound, else the primary)`];
  }
}

/**
 * The edge, internal and database HAProxy (those the node's role runs), each driven by its own sync controller
 * (platform/haproxy), which is supervised like a service instance: a crashed controller is
 * reported and restarted, and the new one replaces the HAProxy the old one left behind.
 */
export const loadBalancersComponent: PlatformComponent = {
  name: 'haproxy',
  async start({ settings, stateDir, env, log, changed }) {
    const { dbLb } = settings;
    const roles = LB_ROLES[settings.node.role];
    const tls = roles.includes('edge') ? edgeTls(settings, stateDir) : undefined;
    // As root, the gateway's instances (their own account) write the edge's maps and reach its map socket.
    const edgeEnv: Record<string, string> = {
      ...tls?.env,
      ...(runningAsRoot() ? { EDGE_GATEWAY_USER: serviceAccountName(settings.services.userPrefix, 'gateway') } : {}),
      // Several edge nodes share their per-client limits: each registers this port, and they find each other in Consul.
      ...(settings.ports.edgePeers > 0 ? { EDGE_PEER_PORT: String(settings.ports.edgePeers) } : {}),
    };
    const specs: LbSpec[] = ([
      { role: 'internal', ...settings.internalLb },
      { role: 'edge', host: settings.edge.host, port: settings.edge.port, extraEnv: edgeEnv, tls },
      {
        role: 'db',
        host: dbLb.host,
        port: dbLb.writePort,
        extraEnv: { LB_READ_BIND: `${dbLb.host}:${dbLb.readPort}`, [MAX_REPLICA_LAG_VAR]: String(settings.postgres.maxReplicaLagMs) },
      },
    ] satisfies LbSpec[]).filter((spec) => roles.includes(spec.role));
    const tokenFile = consulTokenFile(settings, 'lb-controller');
    const slots = specs.map(
      (spec, i) =>
        new InstanceSlot({
          service: 'lb-controller',
          instanceId: `lb-${spec.role}-${settings.nodeName}`,
          entry: controllerEntry,
          slot: i + 1,
          nodeName: settings.nodeName,
          logDir: join(settings.stateDir, 'logs'),
          env: { ...process.env, ...env, LB_ROLE: spec.role, LB_BIND: `${spec.host}:${spec.port}`, LB_STATE_DIR: join(stateDir, spec.role), SERVICE_TAGS: spec.role, CONSUL_HTTP_TOKEN_FILE: tokenFile, ...spec.extraEnv },
          onChange: changed,
          report: log,
        }),
    );
    const stopAll = async (): Promise<void> => {
      await Promise.all(slots.map((s) => s.stop(20_000)));
    };
    for (const slot of slots) slot.start();
    const haproxyPids = (): number[] =>
      specs
        .map((s) => join(stateDir, s.role, 'haproxy.pid'))
        .filter(existsSync)
        .map((f) => Number(readFileSync(f, 'utf8').trim()))
        .filter((pid) => pid > 0 && pidAlive(pid));
    const internal = specs.find((s) => s.role === 'internal');
    const edge = specs.find((s) => s.role === 'edge');
    const dbUrls: Record<string, string> = {};
    try {
      const headers = consulHeaders(readSecretFile(tokenFile, 'the lb-controller Consul token file'));
      await waitFor(
        async () => {
          const res = await fetch(`http://${env.CONSUL_HTTP_ADDR}/v1/health/service/lb-controller?passing=true`, { headers });
          const passing = ((await res.json()) as { Service: { ID: string } }[]).map((e) => e.Service.ID);
          return slots.every((s) => passing.includes(s.state.id));
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'the load balancers to start (see logs/lb-controller)' },
      );
      // The gateway's account passes through to its maps and socket (search only: it cannot list the folders).
      if (edge && runningAsRoot()) for (const dir of [stateDir, join(stateDir, 'edge')]) chmodSync(dir, statSync(dir).mode | 0o001);
      const write = repoint(env.DB_WRITE_URL, dbLb.host, dbLb.writePort);
      const read = repoint(env.DB_READ_URL, dbLb.host, dbLb.readPort);
      if (roles.includes('db') && write && read && env.DB_PASSWORD_FILE) {
        // A cloud node may boot long before the database nodes are ready.
        await waitForDbListeners(write, read, env.DB_PASSWORD_FILE, env.DB_TLS_CA_FILE, settings.node.role === 'all' ? 30_000 : 300_000);
        Object.assign(dbUrls, { DB_WRITE_URL: write, DB_READ_URL: read });
      }
    } catch (err) {
      // A component that fails to start leaves nothing running behind it.
      await stopAll();
      throw err;
    }
    return {
      env: {
        ...(internal ? { INTERNAL_LB_ADDR: `${internal.host}:${internal.port}` } : {}),
        // The gateway feeds this node's edge: its maps (the edge controller's default folder) and its Runtime API.
        ...(edge ? { GATEWAY_EDGE_MAPS_DIR: join(stateDir, 'edge', 'maps'), GATEWAY_EDGE_SOCKETS: join(stateDir, 'edge', 'gateway.sock') } : {}),
        ...dbUrls,
      },
      pids: () => [...slots.map((s) => s.state.pid).filter((p): p is number => p !== null), ...haproxyPids()],
      instances: () => slots.map((s) => s.state),
      describe: () => specs.flatMap(describeLb),
      stop: stopAll,
    };
  },
};
