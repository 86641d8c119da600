import { join } from 'node:path';

/** The cluster-health instance's entry point, for the component that runs it beside Prometheus. */
export const clusterHealthEntry = join(__dirname, 'main.js');
export { readKafkaHealth } from './kafka-health';
export type { KafkaHealth, MetadataAdmin } from './kafka-health';
export { readLogStoreHealth, LOG_STORE_STATUSES } from './logstore-health';
export type { LogStoreHealth, LogStoreStatus } from './logstore-health';
export { readConsulHealth } from './consul-health';
export type { ConsulHealth } from './consul-health';
export { registerClusterGauges } from './cluster-gauges';
export type { ClusterSources } from './cluster-gauges';
