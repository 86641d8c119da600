export { startKafkaBroker } from './broker';
export type { KafkaBroker, KafkaBrokerOptions } from './broker';
export { ensureTopics } from './topics';
export type { TopicSpec } from './topics';
export { renderBrokerConfig } from './broker-config';
