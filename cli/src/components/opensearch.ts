import { LogStore, logStoreCredentials, startOpenSearchNode, type OpenSearchNode } from '@platform/opensearch';
import { logStoreUrl } from '../log-settings';
import type { PlatformComponent } from './component';
import { keepRunning, type KeptProcess } from './restart-on-exit';

const HOUR_MS = 3_600_000;

/**
 * The log search store: a local OpenSearch node (or, with LOG_STORE_URL, an external cluster),
 * its index template, and retention (daily indices older than LOG_RETENTION_DAYS are deleted at
 * start and every hour).
 */
export const opensearchComponent: PlatformComponent = {
  name: 'opensearch',
  async start({ settings: { logs: settings }, stateDir, log, changed }) {
    let node: KeptProcess<OpenSearchNode> | undefined;
    if (!settings.externalStoreUrl) {
      const start = () => startOpenSearchNode({ stateDir, httpPort: settings.openSearchHttpPort, transportPort: settings.openSearchTransportPort, heap: settings.openSearchHeap });
      node = await keepRunning(start, { name: 'opensearch', meanwhile: 'Filebeat keeps the lines and ships them once it is back', log, changed });
    }
    const url = logStoreUrl(settings);
    const store = new LogStore({ url, indexPrefix: settings.indexPrefix, ...logStoreCredentials() });
    await store.ensureTemplate();
    const applyRetention = async (): Promise<void> => {
      try {
        const deleted = await store.deleteExpired(settings.retentionDays);
        if (deleted.length > 0) log(`log retention (${settings.retentionDays} days): deleted ${deleted.join(', ')}`);
      } catch (err) {
        log(`log retention failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    await applyRetention();
    const timer = setInterval(() => void applyRetention(), HOUR_MS);
    timer.unref();
    return {
      env: { LOG_STORE_URL: url, LOG_INDEX_PREFIX: settings.indexPrefix },
      pids: () => (node ? [node.current().pid] : []),
      describe: () => [`Log search        ${url}   (npx platform logs --request-id <id>; curl '${url}/${settings.indexPrefix}-*/_search?q=log.level:error')`],
      async stop() {
        clearInterval(timer);
        await store.close();
        if (node) await node.stop(20_000);
      },
    };
  },
};
