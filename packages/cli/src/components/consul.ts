import { startConsulAgent } from '@platform/consul';
import type { PlatformComponent } from './component';

export const consulComponent: PlatformComponent = {
  name: 'consul',
  async start({ settings, stateDir, log }) {
    const { consul: cluster, bindAddr } = settings.node;
    const agent = await startConsulAgent({
      stateDir,
      ports: settings.consul,
      nodeName: settings.nodeName,
      datacenter: cluster?.datacenter,
      bindAddr,
      cluster,
      // Cloud nodes boot in any order: an agent may wait minutes for the servers to form a quorum.
      startTimeoutMs: cluster ? 300_000 : undefined,
    });
    let stopping = false;
    void agent.exited.then((exit) => {
      if (!stopping) log(`consul agent exited unexpectedly (code ${exit.code}, signal ${exit.signal}); services keep running and re-register when it returns`);
    });
    const kind = cluster ? (cluster.server ? 'server' : 'client') : 'single server';
    return {
      env: { CONSUL_HTTP_ADDR: agent.httpAddr },
      pids: () => [agent.pid],
      describe: () => [`Consul HTTP API   http://${agent.httpAddr}   (${kind}; curl http://${agent.httpAddr}/v1/catalog/services)`],
      async stop() {
        stopping = true;
        await agent.stop(15_000);
      },
    };
  },
};
