import { Kafka, logLevel, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '../logging/logger';

/**
 * A Kafka client whose own log lines (connection errors, rebalances) go to the service's logger
 * instead of the console, and whose retries stay short, so a returning broker is noticed within
 * seconds.
 */
export function createKafka(clientId: string, brokers: string[], logger?: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...fields } = entry.log;
      const line = `kafka client: ${message}`;
      // An error answer ("Response Metadata…", e.g. a topic not created yet) is retried by the
      // client or thrown to the code that asked, which says what it means; logged at each retry
      // it would add a line a second per instance.
      const answeredWithError = entry.namespace === 'Connection' && message.startsWith('Response ');
      if (entry.level === logLevel.ERROR && !answeredWithError) logger.warn(line, { kafka: { namespace: entry.namespace, broker: fields.broker } });
      else logger.debug(line, { kafka: { namespace: entry.namespace } });
    },
    retry: { initialRetryTime: 100, maxRetryTime: 3_000, retries: 10 },
  });
}

/**
 * Idempotent producer: the broker drops a retried batch it already has, so a retry after a lost
 * acknowledgement cannot duplicate within a session; acks from all in-sync replicas.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}
