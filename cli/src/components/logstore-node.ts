import { join } from 'node:path';
import { startLogStoreMember, type LogStoreMemberSettings } from '@platform/opensearch';
import type { PlatformSettings } from '../settings';
import type { PlatformComponent } from './component';
import { keepLogIndices } from './log-upkeep';
import { keepRunning } from './restart-on-exit';

/** A member waits for a majority of the cluster's managers, which boot in any order. */
const MEMBER_START_TIMEOUT_MS = 300_000;

/**
 * A cloud `logstore` node's member: OpenSearch on the node's private address, finding the others
 * at OPENSEARCH_SEED_HOSTS, its folder (data, configuration, log) on the data volume.
 */
export function logStoreMemberSettings(settings: PlatformSettings): LogStoreMemberSettings {
  const { logStore: member, bindAddr } = settings.node;
  if (!member || !bindAddr) throw new Error('a logstore node needs its member settings (PLATFORM_ROLE=logstore)');
  const { openSearchHttpPort: httpPort, openSearchTransportPort: transportPort, openSearchHeap: heap } = settings.logs;
  return {
    stateDir: join(member.dataDir, 'opensearch'),
    host: bindAddr,
    nodeName: member.name,
    httpPort,
    transportPort,
    heap,
    cluster: { seedHosts: member.seedHosts, initialManagers: member.initialManagers },
    startTimeoutMs: MEMBER_START_TIMEOUT_MS,
  };
}

/**
 * One member of the log store cluster of the cloud layout (role `logstore`), and what the platform
 * keeps in the store: the template, each daily index with one replica (any one member may be lost
 * with every line still searchable), and retention (every member runs it; deleting is idempotent).
 */
export const logStoreNodeComponent: PlatformComponent = {
  name: 'opensearch',
  async start({ settings, log, changed }) {
    const member = logStoreMemberSettings(settings);
    const node = await keepRunning(() => startLogStoreMember(member), { name: `opensearch member ${member.nodeName}`, meanwhile: 'the others hold a copy of its shards; Filebeat and searches use them', log, changed });
    const { url } = node.current();
    const upkeep = await keepLogIndices(url, settings.logs, 1, log, settings.tracing.indexPrefix).catch(async (err: unknown) => {
      await node.stop(20_000);
      throw err;
    });
    return {
      env: { LOG_STORE_URL: url, LOG_INDEX_PREFIX: settings.logs.indexPrefix },
      pids: () => [node.current().pid],
      describe: () => [`Log store member  ${member.nodeName} ${url}   (cluster of ${member.cluster.initialManagers.join(', ')})`],
      async stop() {
        await upkeep.stop();
        await node.stop(20_000);
      },
    };
  },
};
