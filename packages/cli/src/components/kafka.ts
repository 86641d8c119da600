import { startKafkaBroker } from '@platform/kafka';
import type { PlatformComponent } from './component';

/** One Kafka broker (KRaft, combined mode) on loopback; topics are created by the services that use them. */
export const kafkaComponent: PlatformComponent = {
  name: 'kafka',
  async start({ settings, stateDir, log }) {
    const broker = await startKafkaBroker({ stateDir, port: settings.kafka.port, controllerPort: settings.kafka.controllerPort, heapMb: settings.kafka.heapMb });
    let stopping = false;
    void broker.exited.then((exit) => {
      if (!stopping) log(`kafka broker exited unexpectedly (code ${exit.code}, signal ${exit.signal}); services keep their events in their outboxes until it returns`);
    });
    return {
      env: { KAFKA_BROKERS: broker.brokers.join(',') },
      pids: () => [broker.pid],
      describe: () => [`Kafka broker      ${broker.brokers.join(',')}   (topics, groups and lag: npx platform status)`],
      async stop() {
        stopping = true;
        await broker.stop(30_000);
      },
    };
  },
};
