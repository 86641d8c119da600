export { newKafkaClusterId, startKafkaBroker, startKafkaMember } from './broker';
export type { KafkaBroker, KafkaBrokerOptions, KafkaMemberSettings } from './broker';
export { renderBrokerConfig, replicationFor } from './broker-config';
export type { QuorumVoter } from './broker-config';
