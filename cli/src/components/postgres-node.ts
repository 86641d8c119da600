import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { roleCheckEntry, roleCheckEnv, roleCheckInstanceId, startPostgresServer, waitForRegistrations } from '@platform/postgres';
import { consulTokenFile } from '../consul-tokens';
import { InstanceSlot } from '../supervisor/instance-slot';
import type { PlatformComponent } from './component';
import { restartOnExit } from './restart-on-exit';

/**
 * A database node of the cloud layout: one PostgreSQL server (the primary, or a replica made
 * from it) on the node's private address, and its role check registering it in Consul, where
 * the database HAProxy on every service node finds it.
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
    const node = await startPostgresServer({ stateDir, name: database.name, host: bindAddr, port: pg.basePort, primary: database.primary, replicaNames: database.replicaNames, clientCidrs: database.clientCidrs, tls: database.tls, log });
    const slot = new InstanceSlot({
      service: 'postgres',
      instanceId: roleCheckInstanceId(settings.nodeName, node.server.name),
      entry: roleCheckEntry,
      slot: 1,
      nodeName: settings.nodeName,
      logDir: join(settings.stateDir, 'logs'),
      env: { PATH: process.env.PATH, ...roleCheckEnv({ secrets: node.secrets, consulAddr, consulTokenFile: tokenFile, maxReplicaLagMs: pg.maxReplicaLagMs }, node.server, pg.roleCheckBasePort) },
      onChange: changed,
      report: log,
    });
    const watch = restartOnExit({
      name: `postgres ${node.server.name}`,
      exited: () => node.server.exited,
      restart: () => node.server.restart(),
      meanwhile: `its role check reports it down until it is back (see ${join(stateDir, node.server.name, 'postgres.log')})`,
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
    return {
      env: {},
      pids: () => [...(node.server.isRunning() ? [node.server.pid] : []), ...(slot.state.pid === null ? [] : [slot.state.pid])],
      instances: () => [slot.state],
      describe: () => [`PostgreSQL ${node.role.padEnd(7)}  ${bindAddr}:${node.server.port} (${node.server.name})   role check http://${bindAddr}:${pg.roleCheckBasePort}/health`],
      stop,
    };
  },
};
