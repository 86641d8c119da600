import { renderBrokerConfig, replicationFor } from '@platform/kafka';
import { indexTemplate, renderOpenSearchConfig, storeNodeUrls } from '@platform/opensearch';
import { plannedPorts } from '../../cli/src/port-preflight';
import { loadSettings } from '../../cli/src/settings';

const properties = (text: string): Record<string, string> => Object.fromEntries(text.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));

test('a lone broker votes for itself and keeps one copy; a member of three lists every voter and needs two copies of three', () => {
  const lone = properties(renderBrokerConfig({ dataDir: '/d', port: 9092, controllerPort: 9093, host: '127.0.0.1' }));
  expect(lone).toMatchObject({ 'node.id': '1', 'controller.quorum.voters': '1@127.0.0.1:9093', 'default.replication.factor': '1', 'min.insync.replicas': '1', 'offsets.topic.replication.factor': '1' });
  const voters = [1, 2, 3].map((nodeId) => ({ nodeId, host: `127.0.0.${nodeId + 1}`, controllerPort: 9093 }));
  const member = properties(renderBrokerConfig({ dataDir: '/d', port: 9092, controllerPort: 9093, host: '127.0.0.3', nodeId: 2, voters }));
  expect(member).toMatchObject({
    'node.id': '2',
    'controller.quorum.voters': '1@127.0.0.2:9093,2@127.0.0.3:9093,3@127.0.0.4:9093',
    listeners: 'PLAINTEXT://127.0.0.3:9092,CONTROLLER://127.0.0.3:9093',
    'default.replication.factor': '3',
    'min.insync.replicas': '2',
    'transaction.state.log.min.isr': '2',
    'unclean.leader.election.enable': 'false',
  });
  // Five brokers still keep three copies; two keep two and still need two.
  expect([replicationFor(5), replicationFor(2)]).toEqual([{ factor: 3, minInsync: 2 }, { factor: 2, minInsync: 2 }]);
});

test('a log store member finds the others at their seed addresses instead of electing itself alone', () => {
  const base = { clusterName: 'c', nodeName: 'logstore-2', host: '127.0.0.3', httpPort: 9200, transportPort: 9300, dataDir: '/d', logsDir: '/l' };
  expect(renderOpenSearchConfig(base)).toContain('discovery.type: "single-node"');
  const member = renderOpenSearchConfig({ ...base, cluster: { seedHosts: ['127.0.0.2:9300', '127.0.0.3:9300'], initialManagers: ['logstore-1', 'logstore-2'] } });
  expect(member).not.toContain('discovery.type');
  expect(member).toContain('discovery.seed_hosts: ["127.0.0.2:9300","127.0.0.3:9300"]');
  expect(member).toContain('cluster.initial_cluster_manager_nodes: ["logstore-1","logstore-2"]');
  const settingsOf = (t: Record<string, unknown>) => (t.template as { settings: { number_of_replicas: number } }).settings.number_of_replicas;
  expect([settingsOf(indexTemplate('logs')), settingsOf(indexTemplate('logs', 1))]).toEqual([0, 1]);
});

test('LOG_STORE_URL takes every node of a cluster, and a bad entry among them is named', () => {
  expect(loadSettings({ LOG_STORE_URL: 'http://10.0.1.5:9200, http://10.0.2.5:9200' }).logs.externalStoreUrl).toBe('http://10.0.1.5:9200,http://10.0.2.5:9200');
  expect(storeNodeUrls('http://a:9200, ,http://b:9200')).toEqual(['http://a:9200', 'http://b:9200']);
  expect(() => loadSettings({ LOG_STORE_URL: 'http://10.0.1.5:9200,not a url' })).toThrow(/LOG_STORE_URL/);
});

test('--ha checks each cluster port on every member address as well, and the default platform has no member addresses', () => {
  expect(loadSettings({}).ha).toBeUndefined();
  const ha = loadSettings({ PLATFORM_HA: 'on', PLATFORM_HA_ADDRESSES: '127.0.0.12,127.0.0.13,127.0.0.14' });
  expect(ha.ha).toEqual({ addresses: ['127.0.0.12', '127.0.0.13', '127.0.0.14'] });
  const kafka = plannedPorts(ha).filter((p) => p.variable === 'KAFKA_PORT');
  expect(kafka.map((p) => p.host)).toEqual(['127.0.0.1', '127.0.0.12', '127.0.0.13', '127.0.0.14']);
  expect(plannedPorts(ha).filter((p) => p.variable === 'EDGE_PORT')).toHaveLength(1);
  expect(() => loadSettings({ PLATFORM_HA: 'on', PLATFORM_HA_ADDRESSES: '10.0.0.1,127.0.0.2' })).toThrow(/PLATFORM_HA_ADDRESSES/);
});
