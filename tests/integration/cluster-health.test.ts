import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterHealthEntry } from '@platform/monitoring';
import { startOpenSearchNode, type OpenSearchNode } from '@platform/opensearch';
import { freePort, waitFor } from '@platform/process-runner';
import { messaging } from '@platform/service-kit';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestKafka, type TestKafka } from '../harness/kafka';
import { startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * The cluster-health exporter as the monitoring component runs it: a kit instance registered in
 * Consul with the monitoring token, reading a real broker, a real OpenSearch node and the Consul
 * server it registered with, on their own loopback ports.
 */
let consul: TestConsul;
let kafka: TestKafka;
let openSearch: OpenSearchNode;
let exporter: ServiceProcess;
let openSearchDir: string;

beforeAll(async () => {
  openSearchDir = mkdtempSync(join(tmpdir(), 'cluster-health-'));
  const [startedConsul, startedKafka, startedStore] = await Promise.all([
    startTestConsul(),
    startTestKafka(),
    (async () => startOpenSearchNode({ stateDir: openSearchDir, httpPort: await freePort(), transportPort: await freePort(), heap: '384m' }))(),
  ]);
  [consul, kafka, openSearch] = [startedConsul, startedKafka, startedStore];
  exporter = await startRegisteredService(clusterHealthEntry, 'cluster-health', consul.httpAddr, {
    CONSUL_HTTP_TOKEN_FILE: await consul.tokenFile('monitoring'),
    KAFKA_BROKERS: kafka.brokers.join(','),
    LOG_STORE_URL: openSearch.url,
  });
}, 120_000);

afterAll(async () => {
  await exporter?.child.stop(10_000);
  // The broker was stopped by the last test; its folder goes with stop().
  await Promise.all([kafka?.stop().catch(() => undefined), openSearch?.stop(20_000), consul?.stop()]);
  rmSync(openSearchDir, { recursive: true, force: true });
});

/** Each sample of `name` whose labels include `having` (e.g. `status="yellow"`), from one scrape. */
async function samples(name: string, having = ''): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${exporter.port}/metrics`)).text();
  return text
    .split('\n')
    .map((line) => new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line))
    .filter((m): m is RegExpExecArray => m !== null && (m[1] ?? '').includes(having))
    .map((m) => Number(m[2]));
}

const storeRequest = async (method: string, path: string, body?: unknown): Promise<void> => {
  const res = await fetch(`${openSearch.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
};

/** Waits until the exporter reports the log store in `status` (1 on that series, 0 on the others). */
const waitForStatus = async (status: string): Promise<void> => {
  await waitFor(async () => (await samples('logstore_cluster_status', `status="${status}"`))[0] === 1, { timeoutMs: 20_000, intervalMs: 250, what: `log store ${status}` });
};

test('with one broker the exporter counts 1 of 1 brokers registered and 0 under-replicated partitions, its topics included', async () => {
  await messaging.ensureTopics(kafka.brokers, [{ topic: 'cluster-health-probe', partitions: 3, retentionMs: 3_600_000 }]);
  expect(await samples('kafka_cluster_up')).toEqual([1]);
  expect(await samples('kafka_cluster_brokers')).toEqual([1]);
  expect(await samples('kafka_cluster_brokers_expected')).toEqual([1]);
  expect(await samples('kafka_cluster_under_replicated_partitions')).toEqual([0]);
  expect(await samples('kafka_cluster_offline_partitions')).toEqual([0]);
});

test("the log store's colour is mapped: green, yellow while an index wants a replica no node can hold, red while a primary has no node, green again", async () => {
  await waitForStatus('green');
  expect(await samples('logstore_up')).toEqual([1]);
  expect(await samples('logstore_nodes')).toEqual([1]);
  await storeRequest('PUT', '/health-yellow', { settings: { number_of_shards: 1, number_of_replicas: 1 } });
  await waitForStatus('yellow');
  expect(await samples('logstore_cluster_status', 'status="green"')).toEqual([0]);
  expect(await samples('logstore_unassigned_shards')).toEqual([1]);
  // Created without waiting for an active shard: none will ever be.
  await storeRequest('PUT', '/health-red?wait_for_active_shards=0', { settings: { number_of_shards: 1, number_of_replicas: 0, 'index.routing.allocation.require._name': 'no-such-node' } });
  await waitForStatus('red');
  expect(await samples('logstore_cluster_status', 'status="yellow"')).toEqual([0]);
  await storeRequest('DELETE', '/health-yellow,health-red');
  await waitForStatus('green');
});

test('the Consul server it registered with is up and leads', async () => {
  expect(await samples('consul_cluster_leader')).toEqual([1]);
  expect(await samples('consul_cluster_server_up', 'server="test-node"')).toEqual([1]);
});

// Last: the broker stays down (afterAll stops what is left).
test('a broker that stops answering reads kafka_cluster_up 0 and 0 of 1 brokers registered', async () => {
  await kafka.stopBroker();
  await waitFor(async () => (await samples('kafka_cluster_up'))[0] === 0, { timeoutMs: 15_000, intervalMs: 250, what: 'kafka_cluster_up 0' });
  expect(await samples('kafka_cluster_brokers')).toEqual([0]);
  expect(await samples('kafka_cluster_brokers_expected')).toEqual([1]);
});
