import { startOpenSearchNode, type OpenSearchNode } from '@platform/opensearch';
import { logStoreUrl } from '../log-settings';
import type { ComponentContext, PlatformComponent } from './component';
import { stopMembers } from './cluster-members';
import { startLogStoreCluster } from './log-store-cluster';
import { keepLogIndices } from './log-upkeep';
import { keepRunning, type KeptProcess } from './restart-on-exit';

/** The nodes this platform runs itself: none with LOG_STORE_URL, one, or under --ha a cluster. */
async function startOwnNodes(context: ComponentContext): Promise<{ url: string; nodes: KeptProcess<OpenSearchNode>[] }> {
  const { settings, stateDir, log, changed } = context;
  const logs = settings.logs;
  if (logs.externalStoreUrl) return { url: logStoreUrl(logs), nodes: [] };
  if (settings.ha) {
    const { url, members } = await startLogStoreCluster(context);
    return { url, nodes: members };
  }
  const start = () => startOpenSearchNode({ stateDir, httpPort: logs.openSearchHttpPort, transportPort: logs.openSearchTransportPort, heap: logs.openSearchHeap });
  const node = await keepRunning(start, { name: 'opensearch', meanwhile: 'Filebeat keeps the lines and ships them once it is back', log, changed });
  return { url: logStoreUrl(logs), nodes: [node] };
}

/**
 * The log search store: a local OpenSearch node, a cluster of them under --ha (or, with
 * LOG_STORE_URL, an external cluster), its index template, and retention (daily indices older
 * than LOG_RETENTION_DAYS are deleted at start and every hour).
 */
export const opensearchComponent: PlatformComponent = {
  name: 'opensearch',
  async start(context) {
    const { settings: { logs: settings, tracing }, log } = context;
    const { url, nodes } = await startOwnNodes(context);
    const upkeep = await keepLogIndices(url, settings, nodes.length > 1 ? 1 : 0, log, tracing.indexPrefix);
    const what = nodes.length > 1 ? `Log search (${nodes.length} nodes, 1 replica)` : 'Log search       ';
    return {
      env: { LOG_STORE_URL: url, LOG_INDEX_PREFIX: settings.indexPrefix },
      pids: () => nodes.map((n) => n.current().pid),
      describe: () => [`${what} ${url}   (npx platform logs --request-id <id>; curl '${url.split(',')[0]}/${settings.indexPrefix}-*/_search?q=log.level:error')`],
      async stop() {
        await upkeep.stop();
        await stopMembers(nodes, 20_000);
      },
    };
  },
};
