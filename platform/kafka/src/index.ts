export { startKafkaBroker } from './broker';
export type { KafkaBroker, KafkaBrokerOptions } from './broker';
export { renderBrokerConfig } from './broker-config';
