import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { platformHome, startChild, startUntilReady, type ExitStatus } from '@platform/process-runner';
import { LOG4J_PROPERTIES, renderBrokerConfig } from './broker-config';

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

export interface KafkaBroker {
  readonly brokers: string[];
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

const kafkaVersion = (): string => process.env.KAFKA_VERSION ?? '3.9.1';

function classpath(version: string): string {
  const libs = join(platformHome(), `kafka-${version}`, 'libs');
  if (!existsSync(libs)) throw new Error(`kafka ${version} is not installed (${libs} missing); run platform/install.sh`);
  return `${libs}/*`;
}

/** Formats the KRaft storage once; a formatted data dir keeps its cluster id across restarts. */
async function formatStorage(cp: string, propertiesFile: string, dataDir: string, logFile: string): Promise<void> {
  if (existsSync(join(dataDir, 'meta.properties'))) return;
  // A KRaft cluster id is 16 random bytes in URL-safe base64 without padding; it may start with "-",
  // so it is passed as --cluster-id=<id> rather than as a separate argument.
  const clusterId = randomBytes(16).toString('base64url');
  const format = startChild('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', propertiesFile], { outputFile: logFile });
  const status = await format.exited;
  if (status.code !== 0) throw new Error(`formatting kafka storage failed (exit ${status.code}); see ${logFile}`);
}

export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const host = options.host ?? '127.0.0.1';
  const version = options.version ?? kafkaVersion();
  const cp = classpath(version);
  const dataDir = join(options.stateDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const propertiesFile = join(options.stateDir, 'server.properties');
  const log4jFile = join(options.stateDir, 'log4j.properties');
  const logFile = join(options.stateDir, 'broker.log');
  writeFileSync(propertiesFile, renderBrokerConfig({ dataDir, port: options.port, controllerPort: options.controllerPort, host }));
  writeFileSync(log4jFile, LOG4J_PROPERTIES);
  await formatStorage(cp, propertiesFile, dataDir, logFile);

  const heap = `${options.heapMb ?? 384}m`;
  const brokers = [`${host}:${options.port}`];
  const admin = new Admin({ clientId: 'platform-readiness', bootstrapBrokers: brokers, retries: 0, connectTimeout: 1_000 });
  try {
    const child = await startUntilReady(
      'java',
      [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4jFile}`, '-cp', cp, 'kafka.Kafka', propertiesFile],
      {
        outputFile: logFile,
        detached: true,
        what: `kafka at ${brokers.join(',')}`,
        // Serving means a controller is elected and the broker is registered with it.
        ready: async () => {
          const cluster = await admin.metadata({ topics: [], forceUpdate: true });
          return cluster.brokers.size > 0 && cluster.controllerId >= 0;
        },
        timeoutMs: options.startTimeoutMs ?? 90_000,
        intervalMs: 500,
      },
    );
    return { brokers, pid: child.pid, exited: child.exited, stop: (graceMs = 20_000) => child.stop(graceMs) };
  } finally {
    await admin.close().catch(() => undefined);
  }
}
