import { startKafkaBroker } from '@platform/kafka';
import type { PlatformComponent } from './component';
import { stopMembers } from './cluster-members';
import { startKafkaCluster } from './kafka-cluster';
import { keepRunning } from './restart-on-exit';

/**
 * One Kafka broker (KRaft, combined mode) on loopback, or under --ha a cluster of them; topics are
 * created by the services that use them.
 */
export const kafkaComponent: PlatformComponent = {
  name: 'kafka',
  async start(context) {
    const { settings, stateDir, log, changed } = context;
    if (settings.ha) {
      const { brokers, members } = await startKafkaCluster(context);
      return {
        env: { KAFKA_BROKERS: brokers.join(',') },
        pids: () => members.map((m) => m.current().pid),
        describe: () => [`Kafka cluster     ${brokers.join(',')}   (${brokers.length} brokers, replication ${Math.min(3, brokers.length)}; npx platform status)`],
        stop: () => stopMembers(members, 30_000),
      };
    }
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
