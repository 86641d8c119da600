import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { roleCheckEntry, roleCheckEnv, roleCheckInstanceId, startDatabaseNode, waitForRegistrations } from '@platform/postgres';
import { consulTokenFile } from '../consul-tokens';
import { InstanceSlot } from '../supervisor/instance-slot';
import type { PlatformComponent } from './component';
import { restartOnExit } from './restart-on-exit';

/**
 * A database node of the cloud layout: one Patroni and the PostgreSQL it runs on the node's
 * private address, a member of the cluster every database node joins through Consul (Patroni
 * elects the leader and makes the others its replicas), and its role check registering it in
 * Consul, where the database HAProxy on every service node finds it.
 */
export const postgresNodeComponent: PlatformComponent = {
  name: 'postgres',
  async start({ settings, stateDir, env, log, changed }) {
    const { database, bindAddr } = settings.node;
    if (!database || !bindAddr) throw new Error('a database node needs its database settings (PLATFORM_ROLE=database)');
    const consulAddr = env.CONSUL_HTTP_ADDR;
    if (!consulAddr) throw new Error('postgres needs Consul started before it (CONSUL_HTTP_ADDR)');
    const pg = settings.postgres;
    chmodSync(settings.stateDir, statSync(settings.stateDir).mode | 0o001);
    const tokenFile = consulTokenFile(settings, 'postgres');
    const node = await startDatabaseNode({
      stateDir,
      name: database.name,
      host: bindAddr,
      port: pg.basePort,
      restPort: pg.restBasePort,
      consulAddr,
      consulTokenFile: consulTokenFile(settings, 'patroni'),
      clientCidrs: database.clientCidrs,
      tls: database.tls,
      synchronous: pg.synchronous,
      log,
    });
    const { member } = node;
    const slot = new InstanceSlot({
      service: 'postgres',
      instanceId: roleCheckInstanceId(settings.nodeName, member.name),
      entry: roleCheckEntry,
      slot: 1,
      nodeName: settings.nodeName,
      logDir: join(settings.stateDir, 'logs'),
      env: { PATH: process.env.PATH, ...roleCheckEnv({ secrets: node.secrets, consulAddr, consulTokenFile: tokenFile, maxReplicaLagMs: pg.maxReplicaLagMs }, member, pg.roleCheckBasePort) },
      onChange: changed,
      report: log,
    });
    // Patroni restarts its PostgreSQL; this restarts Patroni itself, as systemd restarts the node's unit.
    const watch = restartOnExit({
      name: `patroni ${member.name}`,
      exited: () => member.exited,
      restart: () => member.restart(),
      meanwhile: `the other database nodes elect a leader if it held the lock (see ${join(stateDir, member.name, 'patroni.log')})`,
      log,
      changed,
    });
    const stop = async (): Promise<void> => {
      await watch.stop();
      await slot.stop(10_000);
      await node.stop();
    };
    try {
      slot.start();
      await waitForRegistrations(consulAddr, [slot.state.id], () => (slot.state.restarts > 0 ? slot.state.id : undefined), tokenFile);
    } catch (err) {
      await stop();
      throw err;
    }
    const pids = (): number[] => [member.isRunning() ? member.pid : undefined, member.postgresPid(), slot.state.pid ?? undefined].filter((p): p is number => p !== undefined);
    return {
      env: {},
      pids,
      instances: () => [slot.state],
      describe: () => [`PostgreSQL member ${member.name}  ${bindAddr}:${member.port}   Patroni ${member.rest.baseUrl}   role check http://${bindAddr}:${pg.roleCheckBasePort}/health`],
      stop,
    };
  },
};
