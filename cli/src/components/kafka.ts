import { startKafkaBroker } from '@platform/kafka';
import type { PlatformComponent } from './component';
import { keepRunning } from './restart-on-exit';

/** One Kafka broker (KRaft, combined mode) on loopback; topics are created by the services that use them. */
export const kafkaComponent: PlatformComponent = {
  name: 'kafka',
  async start({ settings, stateDir, log, changed }) {
    const start = () => startKafkaBroker({ stateDir, port: settings.kafka.port, controllerPort: settings.kafka.controllerPort, heapMb: settings.kafka.heapMb });
    const broker = await keepRunning(start, { name: 'kafka broker', meanwhile: 'services keep their events in their outboxes until it is back', log, changed });
    const { brokers } = broker.current();
    return {
      env: { KAFKA_BROKERS: brokers.join(',') },
      pids: () => [broker.current().pid],
      describe: () => [`Kafka broker      ${brokers.join(',')}   (topics, groups and lag: npx platform status)`],
      stop: () => broker.stop(30_000),
    };
  },
};
