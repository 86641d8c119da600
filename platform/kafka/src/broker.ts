import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { platformHome, startChild, startUntilReady, type ExitStatus } from '@platform/process-runner';
import { LOG4J_PROPERTIES, renderBrokerConfig, type QuorumVoter } from './broker-config';

export interface KafkaBrokerOptions {
  /** Holds data/ (survives restarts), server.properties and broker.log. */
  stateDir: string;
  port: number;
  controllerPort: number;
  host?: string;
  heapMb?: number;
  version?: string;
  startTimeoutMs?: number;
}

/**
 * One member of a Kafka cluster (KRaft, combined broker and controller), as a local `--ha`
 * platform and a cloud `kafka` node start it: its own address, the same ports on every member.
 */
export interface KafkaMemberSettings extends KafkaBrokerOptions {
  host: string;
  /** This member's node id, one of the voters'. */
  nodeId: number;
  /** Every member of the controller quorum, this one included. */
  voters: readonly QuorumVoter[];
  /** The cluster's id (newKafkaClusterId), the same on every member; a member formats its storage with it once. */
  clusterId: string;
}

export interface KafkaBroker {
  readonly brokers: string[];
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

const kafkaVersion = (): string => process.env.KAFKA_VERSION ?? '3.9.1';

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding. */
export const newKafkaClusterId = (): string => randomBytes(16).toString('base64url');

function classpath(version: string): string {
  const libs = join(platformHome(), `kafka-${version}`, 'libs');
  if (!existsSync(libs)) throw new Error(`kafka ${version} is not installed (${libs} missing); run platform/install.sh`);
  return `${libs}/*`;
}

/** Formats the KRaft storage once; a formatted data dir keeps its cluster id across restarts. */
async function formatStorage(cp: string, propertiesFile: string, dataDir: string, logFile: string, clusterId: string): Promise<void> {
  if (existsSync(join(dataDir, 'meta.properties'))) return;
  // The id may start with "-", so it is passed as --cluster-id=<id> rather than as a separate argument.
  const format = startChild('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', propertiesFile], { outputFile: logFile });
  const status = await format.exited;
  if (status.code !== 0) throw new Error(`formatting kafka storage failed (exit ${status.code}); see ${logFile}`);
}

/** A lone broker that is its own controller quorum (the default local platform, tests). */
export function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const host = options.host ?? '127.0.0.1';
  return startKafkaMember({ ...options, host, nodeId: 1, voters: [{ nodeId: 1, host, controllerPort: options.controllerPort }], clusterId: newKafkaClusterId() });
}

/**
 * Starts one member and resolves once it serves: a controller is elected and this broker is
 * registered with it. The first members of a new cluster wait for a quorum, so start them together.
 */
export async function startKafkaMember(settings: KafkaMemberSettings): Promise<KafkaBroker> {
  const { host, nodeId } = settings;
  const version = settings.version ?? kafkaVersion();
  const cp = classpath(version);
  const dataDir = join(settings.stateDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const propertiesFile = join(settings.stateDir, 'server.properties');
  const log4jFile = join(settings.stateDir, 'log4j.properties');
  const logFile = join(settings.stateDir, 'broker.log');
  writeFileSync(propertiesFile, renderBrokerConfig({ dataDir, port: settings.port, controllerPort: settings.controllerPort, host, nodeId, voters: settings.voters }));
  writeFileSync(log4jFile, LOG4J_PROPERTIES);
  await formatStorage(cp, propertiesFile, dataDir, logFile, settings.clusterId);

  const heap = `${settings.heapMb ?? 384}m`;
  const brokers = [`${host}:${settings.port}`];
  const admin = new Admin({ clientId: 'platform-readiness', bootstrapBrokers: brokers, retries: 0, connectTimeout: 1_000 });
  try {
    const child = await startUntilReady(
      'java',
      [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4jFile}`, '-cp', cp, 'kafka.Kafka', propertiesFile],
      {
        outputFile: logFile,
        detached: true,
        what: `kafka at ${brokers.join(',')}`,
        ready: async () => {
          const cluster = await admin.metadata({ topics: [], forceUpdate: true });
          return cluster.brokers.has(nodeId) && cluster.controllerId >= 0;
        },
        timeoutMs: settings.startTimeoutMs ?? 90_000,
        intervalMs: 500,
      },
    );
    return { brokers, pid: child.pid, exited: child.exited, stop: (graceMs = 20_000) => child.stop(graceMs) };
  } finally {
    await admin.close().catch(() => undefined);
  }
}
