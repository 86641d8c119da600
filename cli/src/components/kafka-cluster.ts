import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newKafkaClusterId, startKafkaMember, type KafkaBroker } from '@platform/kafka';
import type { ComponentContext } from './component';
import { clusterMembers, keepMembersRunning } from './cluster-members';
import type { KeptProcess } from './restart-on-exit';

/** Each broker's heap under --ha: three of them share a developer's machine. */
const MEMBER_HEAP_MB = 256;

/** The id every member formats its storage with, chosen once and kept beside their folders. */
function clusterId(stateDir: string): string {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, 'cluster.id');
  if (!existsSync(file)) writeFileSync(file, `${newKafkaClusterId()}\n`);
  return readFileSync(file, 'utf8').trim();
}

/**
 * `platform up --ha`: a broker per --ha address, each also a controller of a quorum of all of
 * them, on the ports the lone broker would use; topics get three copies and a write needs two.
 */
export async function startKafkaCluster({ settings, stateDir, log, changed }: ComponentContext): Promise<{ brokers: string[]; members: KeptProcess<KafkaBroker>[] }> {
  const members = clusterMembers(settings, 'kafka');
  const { port, controllerPort } = settings.kafka;
  const voters = members.map((m) => ({ nodeId: m.index, host: m.host, controllerPort }));
  const id = clusterId(stateDir);
  const kept = await keepMembersRunning(
    members,
    (m) => startKafkaMember({ stateDir: join(stateDir, m.name), host: m.host, port, controllerPort, nodeId: m.index, voters, clusterId: id, heapMb: MEMBER_HEAP_MB }),
    { name: 'kafka broker', meanwhile: 'the other brokers lead its partitions; writes need two copies and go on', log, changed },
  );
  return { brokers: members.map((m) => `${m.host}:${port}`), members: kept };
}
