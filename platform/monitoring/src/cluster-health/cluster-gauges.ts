import { Gauge, type Registry } from 'prom-client';
import type { ConsulHealth } from './consul-health';
import type { KafkaHealth } from './kafka-health';
import { LOG_STORE_STATUSES, type LogStoreHealth } from './logstore-health';

/** Where each system's state comes from; undefined when this exporter does not watch it. */
export interface ClusterSources {
  kafka?: { read(): Promise<KafkaHealth>; expectedBrokers: number };
  logStore?: { read(): Promise<LogStoreHealth> };
  consul?: { read(): Promise<ConsulHealth> };
}

/**
 * One reading per scrape, shared by the gauges that show it (a scrape collects every gauge at
 * once). A failed reading is `undefined`: the `*_up` gauge reads 0, a count reads 0 (a gauge
 * without labels always has a sample: read it with its `*_up`), a labelled gauge has no series.
 */
function sharedReading<T>(read: () => Promise<T>, maxAgeMs = 500): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > maxAgeMs) last = { at: Date.now(), value: read().catch(() => undefined) };
    return last.value;
  };
}

function gauge<T>(registry: Registry, name: string, help: string, reading: () => Promise<T | undefined>, value: (health: T) => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.reset();
      const health = await reading();
      const sample = health === undefined ? undefined : value(health);
      if (sample !== undefined) this.set(sample);
    },
  });
}

/** `<prefix>_up`: 1 when the last reading answered, 0 when it failed. */
function upGauge(registry: Registry, name: string, help: string, reading: () => Promise<unknown>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set((await reading()) === undefined ? 0 : 1);
    },
  });
}

/** The metrics the cluster alerts (KafkaBrokerDown, LogStoreRed, ConsulNoLeader…) rest on, read at scrape time. */
export function registerClusterGauges(registry: Registry, sources: ClusterSources): void {
  if (sources.kafka) {
    const { expectedBrokers } = sources.kafka;
    const kafka = sharedReading(sources.kafka.read);
    upGauge(registry, 'kafka_cluster_up', '1 when a broker answered the metadata request, 0 when none did', kafka);
    gauge(registry, 'kafka_cluster_brokers', 'Brokers registered with the controller', kafka, (h) => h.brokers);
    gauge(registry, 'kafka_cluster_brokers_expected', 'Brokers the cluster should have (KAFKA_BROKERS)', async () => expectedBrokers, (n) => n);
    gauge(registry, 'kafka_cluster_under_replicated_partitions', 'Partitions with fewer in-sync replicas than replicas', kafka, (h) => h.underReplicated);
    gauge(registry, 'kafka_cluster_offline_partitions', 'Partitions without a leader', kafka, (h) => h.offline);
  }
  if (sources.logStore) {
    const logStore = sharedReading(sources.logStore.read);
    upGauge(registry, 'logstore_up', "1 when the log store answered /_cluster/health, 0 when it did not", logStore);
    new Gauge({
      name: 'logstore_cluster_status',
      help: "The log store's health: 1 on the series of its colour (green, yellow, red), 0 on the others",
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        this.reset();
        const health = await logStore();
        if (health) for (const status of LOG_STORE_STATUSES) this.set({ status }, health.status === status ? 1 : 0);
      },
    });
    gauge(registry, 'logstore_nodes', 'Nodes in the log store cluster', logStore, (h) => h.nodes);
    gauge(registry, 'logstore_unassigned_shards', 'Shards no node holds', logStore, (h) => h.unassignedShards);
  }
  if (sources.consul) {
    const consul = sharedReading(sources.consul.read);
    // An agent that cannot answer has no leader to name either: 0, not a missing sample that no rule would see.
    new Gauge({
      name: 'consul_cluster_leader',
      help: '1 while the Consul servers have a leader, 0 while they have none',
      registers: [registry],
      async collect() {
        this.set((await consul())?.leader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'consul_cluster_server_up',
      help: "1 for each Consul server the cluster's gossip finds alive, 0 for one it does not",
      labelNames: ['server'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const server of (await consul())?.servers ?? []) this.set({ server: server.name }, server.up ? 1 : 0);
      },
    });
  }
}
