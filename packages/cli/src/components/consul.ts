import { startConsulAgent } from '@platform/consul';
import type { PlatformComponent } from './component';
import { keepRunning } from './restart-on-exit';

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
    const agent = await keepRunning(start, { name: 'consul agent', meanwhile: 'services keep running and register again when it is back', log, changed });
    // The address stays the same across restarts.
    const { httpAddr } = agent.current();
    const kind = cluster ? (cluster.server ? 'server' : 'client') : 'single server';
    return {
      env: { CONSUL_HTTP_ADDR: httpAddr },
      pids: () => [agent.current().pid],
      describe: () => [`Consul HTTP API   http://${httpAddr}   (${kind}; curl http://${httpAddr}/v1/catalog/services)`],
      stop: () => agent.stop(15_000),
    };
  },
};
