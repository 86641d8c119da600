import { join } from 'node:path';
import { readSecretFile, startUntilReady, waitFor, type ChildHandle } from '@platform/process-runner';
import { MAX_REPLICA_LAG_VAR, consulHeaders } from '@platform/service-kit';
import type { PostgresCluster } from './cluster';
import type { ClusterSecrets } from './secrets';

/** What a role check needs to know of its server; `restPort` where Patroni runs it. */
export interface CheckedServer {
  name: string;
  host: string;
  port: number;
  restPort?: number;
}

export const roleCheckEntry = join(__dirname, 'role-check', 'main.js');

/** The Consul service id of a server's registration (one per server and node). */
export const roleCheckInstanceId = (nodeName: string, server: string): string => `postgres-${nodeName}-${server}`;

export interface RoleCheckSettings {
  cluster: PostgresCluster;
  /** host:port of the Consul agent the servers are registered with. */
  consulAddr: string;
  /** File holding the `postgres` ACL token the checks register with. */
  consulTokenFile?: string;
  maxReplicaLagMs: number;
  pollIntervalMs?: number;
}

/** What one role check needs of its cluster: where the monitor's password is. */
export type RoleCheckEnvSettings = Omit<RoleCheckSettings, 'cluster'> & { secrets: ClusterSecrets };

/**
 * The environment of one server's role check (beyond INSTANCE_ID, NODE_NAME and LOG_DIR, which
 * whoever runs it sets). It carries the monitor password's file, never the password.
 */
export function roleCheckEnv(settings: RoleCheckEnvSettings, server: CheckedServer, port: number): Record<string, string> {
  return {
    // The leader lock decides who is primary; PostgreSQL alone cannot tell a demoting one.
    ...(server.restPort ? { PATRONI_URL: `http://${server.host}:${server.restPort}` } : {}),
    CONSUL_HTTP_ADDR: settings.consulAddr,
    ...(settings.consulTokenFile ? { CONSUL_HTTP_TOKEN_FILE: settings.consulTokenFile } : {}),
    // Load balancers on other nodes reach the check where they reach the server.
    HOST: server.host,
    PORT: String(port),
    PG_SERVER_NAME: server.name,
    PG_HOST: server.host,
    PG_PORT: String(server.port),
    PG_MONITOR_PASSWORD_FILE: settings.secrets.passwordFile('monitor'),
    [MAX_REPLICA_LAG_VAR]: String(settings.maxReplicaLagMs),
    ROLE_POLL_INTERVAL_MS: String(settings.pollIntervalMs ?? 100),
    // Tags follow the observed role within half a second.
    REREGISTER_INTERVAL_MS: '500',
    // No load balancer confirms drains of a database endpoint, and the server stops right after.
    DRAIN_CONFIRM_TIMEOUT_MS: '0',
    DRAIN_MS: '0',
  };
}

/** The ids of the postgres registrations Consul's agent holds. */
async function registeredIds(consulAddr: string, headers: Record<string, string>): Promise<string[]> {
  const res = await fetch(`http://${consulAddr}/v1/agent/services?filter=${encodeURIComponent('Service == "postgres"')}`, { headers });
  return Object.keys((await res.json()) as Record<string, unknown>);
}

const tokenHeaders = (consulTokenFile: string | undefined): Record<string, string> =>
  consulHeaders(consulTokenFile ? readSecretFile(consulTokenFile, 'the postgres Consul token file') : undefined);

/**
 * Resolves once Consul's agent has every id registered; fails early when `exited` names one that
 * died. For role checks a supervisor runs (the CLI); startRoleCheckers starts its own.
 */
export async function waitForRegistrations(consulAddr: string, ids: readonly string[], exited: () => string | undefined, consulTokenFile?: string): Promise<void> {
  const headers = tokenHeaders(consulTokenFile);
  const outcome = await waitFor(
    async () => {
      const dead = exited();
      if (dead) return { dead };
      const registered = await registeredIds(consulAddr, headers);
      return ids.every((id) => registered.includes(id)) && { dead: undefined };
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'every PostgreSQL server to be registered in Consul by its role check' },
  );
  if (outcome.dead) throw new Error(`the role check ${outcome.dead} exited during start`);
}

export interface RoleChecker {
  server: CheckedServer;
  instanceId: string;
  /** host:port of its HTTP endpoint (/primary, /replica, /health). */
  addr: string;
  child: ChildHandle;
}

export interface RoleCheckers {
  readonly checkers: readonly RoleChecker[];
  stop(): Promise<void>;
}

/**
 * One role-check process per server, as it would run beside each server on its own host (the
 * CLI runs the same processes under its supervisor instead). Resolves once all are registered.
 */
export async function startRoleCheckers(settings: RoleCheckSettings & { ports: readonly number[]; nodeName: string; logDir: string }): Promise<RoleCheckers> {
  const headers = tokenHeaders(settings.consulTokenFile);
  const started = await Promise.allSettled(
    settings.cluster.servers.map(async (server, i): Promise<RoleChecker> => {
      const port = settings.ports[i];
      if (!port) throw new Error(`no role-check port for ${server.name}`);
      const instanceId = roleCheckInstanceId(settings.nodeName, server.name);
      const child = await startUntilReady(process.execPath, [roleCheckEntry], {
        env: { PATH: process.env.PATH, ...roleCheckEnv({ ...settings, secrets: settings.cluster.secrets }, server, port), INSTANCE_ID: instanceId, NODE_NAME: settings.nodeName, LOG_DIR: settings.logDir, LOG_TO_STDOUT: 'false' },
        outputFile: join(settings.logDir, 'postgres', `${instanceId}.stdio.log`),
        what: `the role check ${instanceId}`,
        ready: async () => (await registeredIds(settings.consulAddr, headers)).includes(instanceId),
        timeoutMs: 30_000,
        intervalMs: 100,
        stopOnFailure: (c) => c.stop(10_000),
      });
      return { server, instanceId, addr: `127.0.0.1:${port}`, child };
    }),
  );
  const checkers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(checkers.map((c) => c.child.stop(10_000)));
  };
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { checkers, stop };
}
