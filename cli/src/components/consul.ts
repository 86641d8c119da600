import { join } from 'node:path';
import { ensureLocalSecurity, ensureServerCert, READER_TOKEN, startConsulAgent, type ConsulSecurity } from '@platform/consul';
import { platformBin } from '@platform/process-runner';
import { consulSecretPaths, consulTokenFile, ensureRoleTokens, LOCAL_DATACENTER } from '../consul-tokens';
import type { PlatformSettings } from '../settings';
import type { PlatformComponent, RunningComponent } from './component';
import { stopMembers } from './cluster-members';
import { startConsulCluster } from './consul-cluster';
import { keepRunning } from './restart-on-exit';

/**
 * The agent's gossip key, CA, certificate and tokens: generated once under the state folder
 * locally; on a cloud node the files the boot script placed, a server making its own certificate.
 */
function securityOf(settings: PlatformSettings, stateDir: string): ConsulSecurity {
  const binary = platformBin('consul');
  const cluster = settings.node.consul;
  if (!cluster) return ensureLocalSecurity(consulSecretPaths(settings).localDir ?? join(stateDir, 'secrets'), LOCAL_DATACENTER, binary);
  const { secrets } = cluster;
  const serverCert = secrets.caKeyFile
    ? ensureServerCert({ dir: join(stateDir, 'tls'), caFile: secrets.caFile, caKeyFile: secrets.caKeyFile, datacenter: cluster.datacenter, binary })
    : undefined;
  return { gossipKeyFile: secrets.encryptKeyFile, caFile: secrets.caFile, serverCert, managementTokenFile: secrets.managementTokenFile, agentTokenFile: secrets.agentTokenFile };
}

const describeApi = (settings: PlatformSettings, httpAddr: string, kind: string): string[] => {
  // The read-only token: looking needs no right to change anything (the management token stays for minting).
  const tokenFile = consulTokenFile(settings, READER_TOKEN);
  return [
    `Consul HTTP API   http://${httpAddr}   (${kind}; ACLs on: curl -H "X-Consul-Token: $(cat ${tokenFile})" http://${httpAddr}/v1/catalog/services)`,
    `Consul UI         http://${httpAddr}/ui/   (log in with the read-only token in ${tokenFile})`,
  ];
};

export const consulComponent: PlatformComponent = {
  name: 'consul',
  async start(context): Promise<RunningComponent> {
    const { settings, stateDir, log, changed } = context;
    const { consul: cluster, bindAddr } = settings.node;
    const security = securityOf(settings, stateDir);
    if (settings.ha) {
      const local = await startConsulCluster(context, security);
      return {
        env: { CONSUL_HTTP_ADDR: local.httpAddr },
        pids: () => [local.client.current().pid, ...local.servers.map((s) => s.current().pid)],
        describe: () => describeApi(settings, local.httpAddr, `client of the servers ${local.serverAddrs.join(', ')}`),
        async stop() {
          await local.client.stop(15_000);
          await stopMembers(local.servers, 15_000);
        },
      };
    }
    const start = () =>
      startConsulAgent({
        stateDir,
        ports: settings.consul,
        nodeName: settings.nodeName,
        datacenter: cluster?.datacenter ?? LOCAL_DATACENTER,
        bindAddr,
        cluster,
        security,
        // Cloud nodes boot in any order: an agent may wait minutes for the servers to form a quorum.
        startTimeoutMs: cluster ? 300_000 : undefined,
      });
    const agent = await keepRunning(start, { name: 'consul agent', meanwhile: 'services keep running and register again when it is back', log, changed });
    // The address stays the same across restarts.
    const { httpAddr } = agent.current();
    try {
      await ensureRoleTokens(settings, httpAddr);
    } catch (err) {
      await agent.stop(15_000);
      throw err;
    }
    const kind = cluster ? (cluster.server ? 'server' : 'client') : 'single server';
    return {
      env: { CONSUL_HTTP_ADDR: httpAddr },
      pids: () => [agent.current().pid],
      describe: () => describeApi(settings, httpAddr, kind),
      stop: () => agent.stop(15_000),
    };
  },
};
