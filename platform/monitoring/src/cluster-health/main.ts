import { z } from 'zod';
import { readSecretFile } from '@platform/process-runner';
import { env, messaging, runMain } from '@platform/service-kit';
import { registerClusterGauges, type ClusterSources } from './cluster-gauges';
import { readConsulHealth } from './consul-health';
import { readKafkaHealth } from './kafka-health';
import { readLogStoreHealth } from './logstore-health';

/**
 * The clusters' health as metrics, itself an instance on the kit (service `cluster-health`, run
 * beside Prometheus by the monitoring component): Kafka's brokers and under-replicated partitions
 * from the metadata any broker answers, the log store's /_cluster/health, and the Consul servers'
 * leader and gossip state from the local agent. Prometheus finds it in the catalog like every
 * instance; the cluster alerts (rules/platform-alerts.yml) rest on what it exports.
 */
runMain({
  name: 'cluster-health',
  version: '0.1.0',
  config: {
    KAFKA_BROKERS: env.csvVar.optional(),
    /** How many brokers the cluster should have; the number of KAFKA_BROKERS by default. */
    KAFKA_EXPECTED_BROKERS: env.integerVar(1, 1000).optional(),
    /** One URL, or a cluster's nodes comma-separated. */
    LOG_STORE_URL: env.csvVar.pipe(z.array(z.string().url())).optional(),
    LOG_STORE_USERNAME: z.string().min(1).optional(),
    LOG_STORE_PASSWORD_FILE: z.string().min(1).optional(),
  },
  async setup({ config, consul, metrics }) {
    const sources: ClusterSources = { consul: { read: () => readConsulHealth(consul) } };
    const brokers = config.KAFKA_BROKERS ?? [];
    // Short timeouts and no retries: a scrape must end within Prometheus's scrape timeout.
    const admin = brokers.length > 0 ? messaging.createAdmin(messaging.createKafka('platform-cluster-health', brokers, { retries: 0, connectTimeout: 1_000, timeout: 2_000 })) : undefined;
    if (admin) sources.kafka = { read: () => readKafkaHealth(admin), expectedBrokers: config.KAFKA_EXPECTED_BROKERS ?? brokers.length };
    const urls = config.LOG_STORE_URL ?? [];
    if (urls.length > 0) {
      const password = config.LOG_STORE_PASSWORD_FILE ? readSecretFile(config.LOG_STORE_PASSWORD_FILE, 'LOG_STORE_PASSWORD_FILE') : undefined;
      const auth = config.LOG_STORE_USERNAME && password !== undefined ? { username: config.LOG_STORE_USERNAME, password } : undefined;
      sources.logStore = { read: () => readLogStoreHealth({ urls, auth }) };
    }
    registerClusterGauges(metrics.registry, sources);
    return {
      // It reports failures as metrics; being unable to reach a cluster is what it is there to say.
      readiness: [],
      close: async () => {
        await admin?.close().catch(() => undefined);
      },
    };
  },
});
