import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent, type ConsulSecurity } from '@platform/consul';
import { ensureRoleTokens, LOCAL_DATACENTER } from '../consul-tokens';
import type { ComponentContext } from './component';
import { clusterMembers, keepMembersRunning, stopMembers } from './cluster-members';
import { keepRunning, type KeptProcess } from './restart-on-exit';

export interface LocalConsulCluster {
  /** The client agent's HTTP API: what every process of the node talks to. */
  httpAddr: string;
  servers: KeptProcess<ConsulAgent>[];
  client: KeptProcess<ConsulAgent>;
  /** host:port of each server's HTTP API. */
  serverAddrs: string[];
}

/**
 * `platform up --ha`: three (or more) Consul servers, one per --ha address, and this node's agent
 * as a client of theirs on 127.0.0.1, as a cloud node's is. The instances register with the client,
 * so losing any one server (the leader included) loses no registration: the others elect a new
 * leader and keep the catalog. The tokens are made through a server before the client starts,
 * since the client needs its agent token to join (auto_encrypt).
 */
export async function startConsulCluster({ settings, stateDir, log, changed }: ComponentContext, security: ConsulSecurity): Promise<LocalConsulCluster> {
  const members = clusterMembers(settings, 'consul');
  const { consul: ports } = settings;
  // Gossip joins name the serf port, which a test moves off the default.
  const retryJoin = members.map((m) => `${m.host}:${ports.serfLan}`);
  const servers = await keepMembersRunning(
    members,
    (m) =>
      startConsulAgent({
        stateDir: join(stateDir, m.name),
        ports: { ...ports, dns: -1 },
        nodeName: m.name,
        datacenter: LOCAL_DATACENTER,
        bindAddr: m.host,
        cluster: { server: true, bootstrapExpect: members.length, retryJoin, clientAddr: m.host },
        security,
      }),
    { name: 'consul server', meanwhile: 'the other servers keep the catalog and elect a leader if it led', log, changed },
  );
  const serverAddrs = servers.map((s) => s.current().httpAddr);
  try {
    await ensureRoleTokens(settings, serverAddrs[0] as string);
    const clientSecurity: ConsulSecurity = { gossipKeyFile: security.gossipKeyFile, caFile: security.caFile, agentTokenFile: security.agentTokenFile };
    const start = () =>
      startConsulAgent({
        stateDir,
        ports: settings.consul,
        nodeName: settings.nodeName,
        datacenter: LOCAL_DATACENTER,
        bindAddr: '127.0.0.1',
        cluster: { server: false, retryJoin, clientAddr: '127.0.0.1' },
        security: clientSecurity,
      });
    const client = await keepRunning(start, { name: 'consul agent', meanwhile: 'services keep running and register again when it is back', log, changed });
    return { httpAddr: client.current().httpAddr, servers, client, serverAddrs };
  } catch (err) {
    await stopMembers(servers, 15_000);
    throw err;
  }
}
