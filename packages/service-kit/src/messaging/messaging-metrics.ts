import { Counter, Gauge, type Registry } from 'prom-client';
import type { Queryable } from '../db/database';
import type { Logger } from '../logging/logger';
import { OutageReport } from '../util/outage';
import { within } from '../util/within';
import type { ConsumerLagPoller } from './consumer-lag';

export interface MessagingMetrics {
  published: Counter;
  applied: Counter<'type'>;
  deadLettered: Counter;
}

export interface MessagingMetricSources {
  db: Queryable;
  /** The service publishes through an outbox: export its backlog. */
  outbox: boolean;
  lag?: ConsumerLagPoller;
  logger: Logger;
}

/** A scrape answers within this even when the database does not. */
const BACKLOG_QUERY_BUDGET_MS = 1_000;

/**
 * Event counters, plus two gauges: the outbox backlog (rows not yet published), counted when
 * Prometheus scrapes, and per consumer group how far it is behind the end of each partition, as the
 * lag poller last read it. Neither can fail a scrape: one broken source must not hide every other
 * metric of the instance (and would look like the instance being down).
 */
export function createMessagingMetrics(registry: Registry, sources: MessagingMetricSources): MessagingMetrics {
  if (sources.outbox) {
    const outage = new OutageReport({ down: (error) => sources.logger.warn('cannot count the outbox backlog; the last value stays exported', { error: error.message }) });
    new Gauge({
      name: 'outbox_backlog',
      help: 'Outbox rows committed but not yet published to Kafka (the last value read while the database does not answer)',
      registers: [registry],
      async collect() {
        try {
          this.set(await countBacklog(sources.db));
          outage.succeeded();
        } catch (err) {
          outage.failed(err);
        }
      },
    });
  }
  const lag = sources.lag;
  if (lag) {
    new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages between a consumer group committed offset and the end of the partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of lag.samples()) this.set({ group: s.group, topic: s.topic, partition: String(s.partition) }, s.lag);
      },
    });
  }
  return {
    published: new Counter({ name: 'events_published_total', help: 'Events the outbox relay published', registers: [registry] }),
    applied: new Counter({ name: 'events_applied_total', help: 'Events applied by consumers (duplicates excluded)', labelNames: ['type'], registers: [registry] }),
    deadLettered: new Counter({ name: 'events_dead_lettered_total', help: 'Messages sent to a dead-letter topic', registers: [registry] }),
  };
}

async function countBacklog(db: Queryable): Promise<number> {
  const { rows } = await within(db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL'), BACKLOG_QUERY_BUDGET_MS);
  return Number(rows[0]?.n ?? 0);
}
