import { renderBrokerConfig } from '@platform/kafka';
import { renderOpenSearchConfig } from '@platform/opensearch';
import { componentsFor } from '../../cli/src/components';
import { kafkaMemberSettings } from '../../cli/src/components/kafka-node';
import { logStoreMemberSettings } from '../../cli/src/components/logstore-node';
import { loadSettings } from '../../cli/src/settings';

/** The Consul secret files every cloud node's boot script places from SSM. */
const CONSUL = { PLATFORM_BIND_ADDR: '10.0.3.11', CONSUL_RETRY_JOIN: '10.0.1.5', CONSUL_ENCRYPT_KEY_FILE: '/s/gossip-key', CONSUL_CA_FILE: '/s/ca-cert', CONSUL_TOKENS_DIR: '/s/tokens' };
const VOTERS = '1@10.0.3.11:9093,2@10.0.4.11:9093,3@10.0.5.11:9093';
const KAFKA = { ...CONSUL, PLATFORM_ROLE: 'kafka', PLATFORM_NODE_NAME: 'kafka-1', PLATFORM_DATA_DIR: '/var/lib/platform/data', KAFKA_NODE_ID: '1', KAFKA_CONTROLLER_VOTERS: VOTERS, KAFKA_CLUSTER_ID: 'q1Sh-9_ESM6hKfqVZq0tXg' };
const SEEDS = '10.0.3.21:9300,10.0.4.21:9300,10.0.5.21:9300';
const LOGSTORE = { ...CONSUL, PLATFORM_BIND_ADDR: '10.0.3.21', PLATFORM_ROLE: 'logstore', PLATFORM_NODE_NAME: 'logstore-1', PLATFORM_DATA_DIR: '/var/lib/platform/data', OPENSEARCH_SEED_HOSTS: SEEDS, OPENSEARCH_INITIAL_MANAGERS: 'logstore-1,logstore-2,logstore-3' };

const properties = (text: string): Record<string, string> => Object.fromEntries(text.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));

const QUORUM = [1, 2, 3].map((nodeId) => ({ nodeId, host: `10.0.${nodeId + 2}.11`, controllerPort: 9093 }));

test('a kafka node is one member of the quorum of 3, on its private address, its folder on the data volume', () => {
  const settings = loadSettings(KAFKA);
  expect(settings.node.kafka).toEqual({ nodeId: 1, voters: QUORUM, clusterId: 'q1Sh-9_ESM6hKfqVZq0tXg', dataDir: '/var/lib/platform/data', heapMb: 384 });
  expect(componentsFor('kafka').map((c) => c.name)).toEqual(['consul', 'kafka']);
  const member = kafkaMemberSettings(settings);
  expect(member).toEqual({ stateDir: '/var/lib/platform/data/kafka', host: '10.0.3.11', port: 9092, controllerPort: 9093, nodeId: 1, voters: QUORUM, clusterId: 'q1Sh-9_ESM6hKfqVZq0tXg', heapMb: 384, startTimeoutMs: 300_000 });
  const config = properties(renderBrokerConfig({ dataDir: '/d', port: 9092, controllerPort: 9093, host: member.host, nodeId: member.nodeId, voters: member.voters }));
  expect(config).toMatchObject({
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': VOTERS,
    listeners: 'PLAINTEXT://10.0.3.11:9092,CONTROLLER://10.0.3.11:9093',
    'advertised.listeners': 'PLAINTEXT://10.0.3.11:9092',
    'offsets.topic.replication.factor': '3',
    'transaction.state.log.replication.factor': '3',
    'transaction.state.log.min.isr': '2',
    'default.replication.factor': '3',
    'min.insync.replicas': '2',
    'auto.create.topics.enable': 'false',
  });
});

test('the single broker of platform up keeps one copy of everything, on loopback', () => {
  expect(loadSettings({}).node.kafka).toBeUndefined();
  const config = properties(renderBrokerConfig({ dataDir: '/d', port: 9092, controllerPort: 9093, host: '127.0.0.1' }));
  expect(config).toMatchObject({ 'node.id': '1', 'controller.quorum.voters': '1@127.0.0.1:9093', 'offsets.topic.replication.factor': '1', 'min.insync.replicas': '1' });
});

test('a logstore node is an OpenSearch member finding its peers on their transport addresses, never a single-node cluster', () => {
  const settings = loadSettings(LOGSTORE);
  expect(settings.node.logStore).toEqual({ name: 'logstore-1', seedHosts: SEEDS.split(','), initialManagers: ['logstore-1', 'logstore-2', 'logstore-3'], dataDir: '/var/lib/platform/data' });
  expect(componentsFor('logstore').map((c) => c.name)).toEqual(['consul', 'opensearch']);
  const member = logStoreMemberSettings(settings);
  expect(member).toMatchObject({ stateDir: '/var/lib/platform/data/opensearch', host: '10.0.3.21', httpPort: 9200, transportPort: 9300, nodeName: 'logstore-1' });
  const config = renderOpenSearchConfig({ clusterName: 'platform-logs', nodeName: member.nodeName, host: member.host, httpPort: 9200, transportPort: 9300, dataDir: '/d', logsDir: '/l', cluster: member.cluster });
  expect(config).toContain(`discovery.seed_hosts: ${JSON.stringify(SEEDS.split(','))}`);
  expect(config).toContain('cluster.initial_cluster_manager_nodes: ["logstore-1","logstore-2","logstore-3"]');
  expect(config).toContain('network.host: "10.0.3.21"');
  expect(config).not.toContain('single-node');
  expect(renderOpenSearchConfig({ clusterName: 'c', nodeName: 'n', host: '127.0.0.1', httpPort: 1, transportPort: 2, dataDir: '/d', logsDir: '/l' })).toContain('discovery.type: "single-node"');
});

test.each([
  [{ ...KAFKA, PLATFORM_DATA_DIR: '', KAFKA_CLUSTER_ID: '' }, [/PLATFORM_DATA_DIR: must be set on a kafka node/, /KAFKA_CLUSTER_ID: must be set on a kafka node/]],
  [{ ...KAFKA, KAFKA_CONTROLLER_VOTERS: '1@10.0.3.11:9093,2@host-b:9093' }, [/KAFKA_CONTROLLER_VOTERS.*: must list <id>@<IPv4 address>:<port>/]],
  [{ ...KAFKA, KAFKA_CLUSTER_ID: 'not an id' }, [/KAFKA_CLUSTER_ID: must be 22 characters of URL-safe base64/]],
  [{ ...KAFKA, KAFKA_NODE_ID: '2' }, [/KAFKA_CONTROLLER_VOTERS: must list this node as 2@10.0.3.11:9093/]],
  [{ ...KAFKA, KAFKA_CONTROLLER_VOTERS: '1@10.0.3.11:9093,2@10.0.4.11:9093' }, [/must list an odd number of members \(3 or 5\), not 2/]],
  [{ ...KAFKA, KAFKA_CONTROLLER_VOTERS: '1@10.0.3.11:9093,1@10.0.4.11:9093,3@10.0.5.11:9093' }, [/lists a node id twice/]],
  [{ ...KAFKA, PLATFORM_DATA_DIR: 'data' }, [/PLATFORM_DATA_DIR: must be an absolute path/]],
  [{ ...LOGSTORE, OPENSEARCH_SEED_HOSTS: '' }, [/OPENSEARCH_SEED_HOSTS: must be set on a logstore node/]],
  [{ ...LOGSTORE, OPENSEARCH_SEED_HOSTS: '10.0.3.21:99999' }, [/OPENSEARCH_SEED_HOSTS.*: must list <IPv4 address>:<port>/]],
  [{ ...LOGSTORE, PLATFORM_NODE_NAME: 'logstore-9', PLATFORM_BIND_ADDR: '10.0.9.9' }, [/must list this node as 10.0.9.9:9300/, /OPENSEARCH_INITIAL_MANAGERS: must list this node's name, logstore-9/]],
])('a cluster node whose environment is %j is refused, every problem named', (env, messages) => {
  let message = '';
  try {
    loadSettings(env);
  } catch (err) {
    message = err instanceof Error ? err.message : String(err);
  }
  for (const expected of messages) expect(message).toMatch(expected);
});
