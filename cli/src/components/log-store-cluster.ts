import { join } from 'node:path';
import { startLogStoreMember, type OpenSearchNode } from '@platform/opensearch';
import type { ComponentContext } from './component';
import { clusterMembers, keepMembersRunning } from './cluster-members';
import type { KeptProcess } from './restart-on-exit';

/** Each node's heap under --ha: three of them share a developer's machine. */
const MEMBER_HEAP = '256m';

/**
 * `platform up --ha`: an OpenSearch node per --ha address, each eligible as cluster manager, on the
 * ports the lone node would use. The log indices get one replica (ensureTemplate), so any one node
 * may be lost with no line unsearchable.
 */
export async function startLogStoreCluster({ settings, stateDir, log, changed }: ComponentContext): Promise<{ url: string; members: KeptProcess<OpenSearchNode>[] }> {
  const members = clusterMembers(settings, 'logstore');
  const { openSearchHttpPort: httpPort, openSearchTransportPort: transportPort } = settings.logs;
  const cluster = { seedHosts: members.map((m) => `${m.host}:${transportPort}`), initialManagers: members.map((m) => m.name) };
  const kept = await keepMembersRunning(
    members,
    (m) => startLogStoreMember({ stateDir: join(stateDir, m.name), host: m.host, nodeName: m.name, httpPort, transportPort, heap: MEMBER_HEAP, cluster }),
    { name: 'opensearch node', meanwhile: 'the others hold a copy of its shards; Filebeat and searches use them', log, changed },
  );
  return { url: members.map((m) => `http://${m.host}:${httpPort}`).join(','), members: kept };
}
