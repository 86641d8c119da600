/** One controller of the KRaft quorum: its node id and where its controller listener is. */
export interface QuorumVoter {
  nodeId: number;
  host: string;
  controllerPort: number;
}

export interface BrokerConfigInput {
  dataDir: string;
  port: number;
  controllerPort: number;
  host: string;
  /** This member's node id; 1 for a lone broker. */
  nodeId?: number;
  /** Every controller of the quorum, this member included; a lone broker votes for itself alone. */
  voters?: readonly QuorumVoter[];
}

/**
 * How many copies a topic gets and how many must acknowledge a write, from the quorum's size: one
 * copy on a lone broker; on a cluster three (or as many brokers as there are), and a write
 * acknowledged by all in-sync replicas needs two of them, so one broker may be lost without
 * losing an acknowledged write or refusing new ones.
 */
export function replicationFor(members: number): { factor: number; minInsync: number } {
  const factor = Math.min(3, Math.max(1, members));
  return { factor, minInsync: factor > 1 ? 2 : 1 };
}

/**
 * One member in KRaft combined mode (broker and controller in one process), on one address. Topics
 * are never created implicitly: the platform creates each with explicit partitions and retention
 * (the kit's topics.ts), and their replication factor is the broker default written here.
 */
export function renderBrokerConfig(input: BrokerConfigInput): string {
  const nodeId = input.nodeId ?? 1;
  const voters = input.voters ?? [{ nodeId, host: input.host, controllerPort: input.controllerPort }];
  const { factor, minInsync } = replicationFor(voters.length);
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.voters': voters.map((v) => `${v.nodeId}@${v.host}:${v.controllerPort}`).join(','),
    listeners: `PLAINTEXT://${input.host}:${input.port},CONTROLLER://${input.host}:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${input.host}:${input.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': input.dataDir,
    'auto.create.topics.enable': false,
    'num.partitions': 3,
    'default.replication.factor': factor,
    'min.insync.replicas': minInsync,
    'unclean.leader.election.enable': false,
    'offsets.topic.replication.factor': factor,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': factor,
    'transaction.state.log.min.isr': minInsync,
    'group.initial.rebalance.delay.ms': 0,
    'log.retention.check.interval.ms': 60_000,
    // A member killed with -9 is fenced (its partitions led elsewhere) after this long without a
    // heartbeat, rather than the default 9 s during which its partitions take no writes.
    'broker.session.timeout.ms': 3_000,
    'broker.heartbeat.interval.ms': 500,
  };
  return `${Object.entries(settings)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n')}\n`;
}

export const LOG4J_PROPERTIES = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.server.KafkaServer=INFO',
  'log4j.logger.kafka.server.BrokerServer=INFO',
  '',
].join('\n');
