import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { roleCheckEntry, roleCheckEnv, roleCheckInstanceId, startPostgresCluster, waitForRegistrations, type PostgresCluster } from '@platform/postgres';
import { consulTokenFile as tokenFileOf } from '../consul-tokens';
import { InstanceSlot } from '../supervisor/instance-slot';
import type { PlatformComponent } from './component';
import { restartOnExit } from './restart-on-exit';
import { portsFrom } from './postgres-settings';

/** Where each member is; which one leads changes while the platform runs (`platform status` asks Patroni). */
function describeServers(cluster: PostgresCluster, roleCheckPorts: readonly number[]): string[] {
  return cluster.servers.map((server, i) => `PostgreSQL member ${server.name}  ${server.host}:${server.port}   Patroni ${server.rest.baseUrl}   role check http://127.0.0.1:${roleCheckPorts[i]}/health`);
}

/**
 * The database: a Patroni per PostgreSQL server under the state dir (Patroni bootstraps, makes
 * the replicas, restarts a crashed server and elects the leader through Consul), each server with
 * a role check (supervised like an instance) that registers it in Consul as service `postgres`.
 * Services get where to write and read, and the file with the app role's password.
 */
export const postgresComponent: PlatformComponent = {
  name: 'postgres',
  async start({ settings, stateDir, env, log, changed }) {
    const pg = settings.postgres;
    const consulAddr = env.CONSUL_HTTP_ADDR;
    if (!consulAddr) throw new Error('postgres needs Consul started before it (CONSUL_HTTP_ADDR)');
    // The servers run as the postgres user, which must be able to pass through the platform's state
    // folder (search only: it still cannot list or read it) to reach their data dirs below.
    chmodSync(settings.stateDir, statSync(settings.stateDir).mode | 0o001);
    const consulTokenFile = tokenFileOf(settings, 'postgres');
    const count = pg.replicas + 1;
    const cluster = await startPostgresCluster({
      stateDir,
      ports: await portsFrom(pg.basePort, count),
      restPorts: await portsFrom(pg.restBasePort, count),
      consulAddr,
      consulTokenFile: tokenFileOf(settings, 'patroni'),
      synchronous: pg.synchronous,
      log,
    });
    const roleCheckPorts = await portsFrom(pg.roleCheckBasePort, cluster.servers.length);
    const slots = cluster.servers.map(
      (server, i) =>
        new InstanceSlot({
          service: 'postgres',
          instanceId: roleCheckInstanceId(settings.nodeName, server.name),
          entry: roleCheckEntry,
          slot: i + 1,
          nodeName: settings.nodeName,
          logDir: join(settings.stateDir, 'logs'),
          env: { PATH: process.env.PATH, ...roleCheckEnv({ secrets: cluster.secrets, consulAddr, consulTokenFile, maxReplicaLagMs: pg.maxReplicaLagMs }, server, roleCheckPorts[i] ?? 0) },
          onChange: changed,
          report: log,
        }),
    );
    // Patroni restarts its PostgreSQL; this restarts Patroni itself, as systemd would on a node.
    const watches = cluster.servers.map((server) =>
      restartOnExit({
        name: `patroni ${server.name}`,
        exited: () => server.exited,
        restart: () => server.restart(),
        meanwhile: `the other members elect a leader if it held the lock (see ${join(stateDir, server.name, 'patroni.log')})`,
        log,
        changed,
      }),
    );
    const stop = async (): Promise<void> => {
      await Promise.all(watches.map((w) => w.stop()));
      await Promise.all(slots.map((s) => s.stop(10_000)));
      await cluster.stop();
    };
    try {
      for (const slot of slots) slot.start();
      await waitForRegistrations(
        consulAddr,
        slots.map((s) => s.state.id),
        () => slots.find((s) => s.state.restarts > 0)?.state.id,
        consulTokenFile,
      );
    } catch (err) {
      await stop();
      throw err;
    }
    const reader = cluster.replicas[0] ?? cluster.primary;
    const pids = (): number[] => cluster.servers.flatMap((s) => [s.isRunning() ? s.pid : undefined, s.postgresPid()]).filter((p): p is number => p !== undefined);
    return {
      // Straight to the servers until the database load balancer exists; it repoints these two.
      env: { DB_WRITE_URL: cluster.url(cluster.primary), DB_READ_URL: cluster.url(reader), DB_PASSWORD_FILE: cluster.secrets.passwordFile('app') },
      pids: () => [...pids(), ...slots.map((s) => s.state.pid).filter((p): p is number => p !== null)],
      instances: () => slots.map((s) => s.state),
      describe: () => [...describeServers(cluster, roleCheckPorts), `PostgreSQL login    user platform_app, database ${cluster.database}, password in ${cluster.secrets.passwordFile('app')}`],
      stop,
    };
  },
};
