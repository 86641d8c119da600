import { startConsulAgent } from '@platform/consul';
import type { PlatformComponent } from './component';
import { restartOnExit } from './restart-on-exit';

export const consulComponent: PlatformComponent = {
  name: 'consul',
  async start({ settings, stateDir, log, changed }) {
    const { consul: cluster, bindAddr } = settings.node;
    const start = () =>
      startConsulAgent({
        stateDir,
        ports: settings.consul,
        nodeName: settings.nodeName,
        datacenter: cluster?.datacenter,
        bindAddr,
        cluster,
        // Cloud nodes boot in any order: an agent may wait minutes for the servers to form a quorum.
        startTimeoutMs: cluster ? 300_000 : undefined,
      });
    let agent = await start();
    const watch = restartOnExit({
      name: 'consul agent',
      exited: () => agent.exited,
      restart: async () => {
        await agent.stop(1_000);
        agent = await start();
      },
      meanwhile: 'services keep running and register again when it is back',
      log,
      changed,
    });
    const kind = cluster ? (cluster.server ? 'server' : 'client') : 'single server';
    return {
      env: { CONSUL_HTTP_ADDR: agent.httpAddr },
      pids: () => [agent.pid],
      describe: () => [`Consul HTTP API   http://${agent.httpAddr}   (${kind}; curl http://${agent.httpAddr}/v1/catalog/services)`],
      async stop() {
        await watch.stop();
        await agent.stop(15_000);
      },
    };
  },
};
