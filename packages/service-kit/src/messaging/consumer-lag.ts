import type { Admin } from '@platformatic/kafka';
import type { Logger } from '../logging/logger';
import { OutageReport } from '../util/outage';
import { errorMessage } from './kafka-client';
import { committedOffsets, lagByPartition, topicEndOffsets } from './kafka-offsets';

export interface ConsumerGroupTopic {
  group: string;
  topic: string;
}

export interface LagSample extends ConsumerGroupTopic {
  partition: number;
  lag: number;
}

export interface ConsumerLagPollerOptions {
  admin: Admin;
  consumers: ConsumerGroupTopic[];
  logger: Logger;
  intervalMs?: number;
}

/**
 * Reads consumer lag from the broker on its own timer, so a scrape of /metrics only copies the last
 * figures: a scrape never waits on Kafka's retries, never fails because the broker is down or a
 * topic does not exist yet, and the client's log lines are not stamped with the scrape's request id.
 */
export class ConsumerLagPoller {
  private latest: LagSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // The last figures stay exported while Kafka does not answer.
  private readonly outage = new OutageReport({
    down: (error) => this.options.logger.warn('cannot read consumer lag from Kafka; the last figures stay exported', { error: errorMessage(error) }),
    up: () => this.options.logger.info('consumer lag readable again'),
  });
  private stopped = false;

  constructor(private readonly options: ConsumerLagPollerOptions) {}

  start(): void {
    const loop = () => {
      this.running = this.pollOnce().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs ?? 5_000).unref();
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The figures of the last successful poll; empty for a topic nobody has created yet. */
  samples(): readonly LagSample[] {
    return this.latest;
  }

  /** One read of every group's committed offsets against its topic's end offsets. Never throws. */
  async pollOnce(): Promise<void> {
    const { admin, consumers } = this.options;
    try {
      // Asking for offsets of a topic that does not exist makes the client retry for seconds.
      const existing = new Set(await admin.listTopics());
      const next: LagSample[] = [];
      for (const { group, topic } of consumers) {
        if (!existing.has(topic)) continue;
        const [ends, committed] = await Promise.all([topicEndOffsets(admin, topic), committedOffsets(admin, group, topic)]);
        for (const [partition, lag] of lagByPartition(ends, committed)) next.push({ group, topic, partition, lag });
      }
      this.latest = next;
      this.outage.succeeded();
    } catch (err) {
      this.outage.failed(err);
    }
  }
}
