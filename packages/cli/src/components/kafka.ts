import { startKafkaBroker } from '@platform/kafka';
import type { PlatformComponent } from './component';
import { restartOnExit } from './restart-on-exit';

/** One Kafka broker (KRaft, combined mode) on loopback; topics are created by the services that use them. */
export const kafkaComponent: PlatformComponent = {
  name: 'kafka',
  async start({ settings, stateDir, log, changed }) {
    const start = () => startKafkaBroker({ stateDir, port: settings.kafka.port, controllerPort: settings.kafka.controllerPort, heapMb: settings.kafka.heapMb });
    let broker = await start();
    const watch = restartOnExit({
      name: 'kafka broker',
      exited: () => broker.exited,
      restart: async () => {
        await broker.stop(1_000);
        broker = await start();
      },
      meanwhile: 'services keep their events in their outboxes until it is back',
      log,
      changed,
    });
    return {
      env: { KAFKA_BROKERS: broker.brokers.join(',') },
      pids: () => [broker.pid],
      describe: () => [`Kafka broker      ${broker.brokers.join(',')}   (topics, groups and lag: npx platform status)`],
      async stop() {
        await watch.stop();
        await broker.stop(30_000);
      },
    };
  },
};
