import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafkaBroker, type KafkaBroker } from '@platform/kafka';
import { freePort } from '@platform/process-runner';
import { stoppedAtEnd } from './stopped-at-end';

export interface TestKafka {
  broker: KafkaBroker;
  brokers: string[];
  /** Stops the broker and starts it again on the same ports and data (after `pausedMs`). */
  restart(pausedMs?: number): Promise<void>;
  stopBroker(): Promise<void>;
  startBroker(): Promise<void>;
  stop(): Promise<void>;
}

/** A real Kafka broker of its own for one test file: own ports on loopback, own data dir. */
export async function startTestKafka(): Promise<TestKafka> {
  const stateDir = mkdtempSync(join(tmpdir(), 'kafka-test-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const start = () => startKafkaBroker({ stateDir, port, controllerPort, heapMb: 256 });
  const handle: TestKafka = {
    broker: await start(),
    brokers: [`127.0.0.1:${port}`],
    async stopBroker() {
      await handle.broker.stop();
    },
    async startBroker() {
      handle.broker = await start();
    },
    async restart(pausedMs = 0) {
      await handle.stopBroker();
      await new Promise((resolve) => setTimeout(resolve, pausedMs));
      await handle.startBroker();
    },
    async stop() {
      await handle.broker.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return stoppedAtEnd(handle);
}
