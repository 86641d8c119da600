import { join } from 'node:path';
import { startKafkaMember, type KafkaMemberSettings } from '@platform/kafka';
import type { PlatformSettings } from '../settings';
import type { PlatformComponent } from './component';
import { keepRunning } from './restart-on-exit';

/** A member waits for a majority of its quorum, which boots in any order (as the other cloud roles wait, up to 5 min). */
const MEMBER_START_TIMEOUT_MS = 300_000;

/**
 * A cloud `kafka` node's member: broker and controller on the node's private address, one of the
 * quorum KAFKA_CONTROLLER_VOTERS names, its folder (data, configuration, log) on the data volume.
 */
export function kafkaMemberSettings(settings: PlatformSettings): KafkaMemberSettings {
  const { kafka: member, bindAddr } = settings.node;
  if (!member || !bindAddr) throw new Error('a kafka node needs its member settings (PLATFORM_ROLE=kafka)');
  const { port, controllerPort } = settings.kafka;
  return {
    stateDir: join(member.dataDir, 'kafka'),
    host: bindAddr,
    port,
    controllerPort,
    nodeId: member.nodeId,
    voters: member.voters,
    clusterId: member.clusterId,
    heapMb: member.heapMb,
    startTimeoutMs: MEMBER_START_TIMEOUT_MS,
  };
}

/** One member of the Kafka cluster of the cloud layout (role `kafka`); the services create their topics. */
export const kafkaNodeComponent: PlatformComponent = {
  name: 'kafka',
  async start({ settings, log, changed }) {
    const member = kafkaMemberSettings(settings);
    const broker = await keepRunning(() => startKafkaMember(member), { name: `kafka member ${member.nodeId}`, meanwhile: 'the other members lead its partitions; writes need two copies and go on', log, changed });
    const { brokers } = broker.current();
    return {
      env: { KAFKA_BROKERS: brokers.join(',') },
      pids: () => [broker.current().pid],
      describe: () => [`Kafka member ${member.nodeId}    ${brokers.join(',')}   (quorum ${member.voters.map((v) => `${v.nodeId}@${v.host}`).join(', ')})`],
      stop: () => broker.stop(30_000),
    };
  },
};
