import { Registry } from 'prom-client';
import { createLogger, dbConfigShape, loadConfig, messaging, openDatabase } from '@platform/service-kit';
import { startTestKafka } from '@platform/tests/dist/harness/kafka';
import { startTestPostgres } from '@platform/tests/dist/harness/postgres';
import { percentile, printTable } from './stats';

const RATE = Number(process.env.BENCH_EVENTS_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_DURATION_S ?? 8);
const BACKLOG = Number(process.env.BENCH_RELAY_BACKLOG ?? 20_000);
const TOPIC = 'bench.events';

/**
 * The kit's messaging on a real primary and broker: relay throughput draining a backlog, and the
 * time from a business transaction's commit to its effect applied by an idempotent consumer,
 * at a steady rate.
 */
export async function benchEvents(): Promise<void> {
  const [pg, kafka] = await Promise.all([startTestPostgres({ replicas: 0 }), startTestKafka()]);
  const logger = createLogger({ service: 'bench', instanceId: 'bench-1', node: 'bench', level: 'error', toStdout: false });
  const app = pg.cluster.connection(pg.cluster.primary, 'app');
  await pg.sql(pg.cluster.primary, `CREATE SCHEMA bench AUTHORIZATION ${app.user}`);
  const db = await openDatabase({ service: 'bench', config: loadConfig({ ...pg.serviceEnv(pg.cluster.primary), DB_SCHEMA: 'bench', DB_POOL_MAX: '10' }, dbConfigShape), logger, registry: new Registry() });
  await db.write.query(messaging.OUTBOX_TABLE_SQL);
  await db.write.query(messaging.INBOX_TABLE_SQL);
  await messaging.ensureTopics(kafka.brokers, [
    { topic: TOPIC, partitions: 6, retentionMs: 3_600_000 },
    { topic: messaging.deadLetterTopic(TOPIC), partitions: 1, retentionMs: 3_600_000 },
  ]);
  const client = messaging.createKafka('bench', kafka.brokers);
  const producer = messaging.createIdempotentProducer(client);
  try {
    // Relay throughput: a backlog written in one statement, drained by one relay.
    await db.write.query(
      `INSERT INTO outbox (event_id, topic, key, value, headers, shard)
       SELECT gen_random_uuid(), $1, 'agg-' || (g % 1000), jsonb_build_object('id', gen_random_uuid(), 'type', 'bench.backlog', 'aggregateId', 'agg-' || (g % 1000), 'schemaVersion', 1, 'payload', '{}'::jsonb), '{}'::jsonb, g % $2
         FROM generate_series(1, $3) AS g`,
      [TOPIC, messaging.OUTBOX_SHARDS, BACKLOG],
    );
    const relay = new messaging.OutboxRelay({ db: db.write, producer, logger, batchSize: 1_000 });
    const drainStart = performance.now();
    relay.start();
    for (;;) {
      const { rows } = await db.write.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL');
      if (Number(rows[0]?.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;

    // Commit → applied latency at a steady rate. Both times are kept by event id: under load the
    // effect can be applied before the writer has even seen its COMMIT acknowledged.
    const committedAt = new Map<string, number>();
    const appliedAt = new Map<string, number>();
    const consumer = new messaging.IdempotentConsumer({
      kafka: client,
      db: db.write,
      name: 'bench.latency',
      topic: TOPIC,
      producer,
      logger,
      handlers: {
        'bench.order': async (_tx, event) => {
          appliedAt.set(event.id, performance.now());
        },
      },
    });
    consumer.start();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const total = RATE * SECONDS;
    const started = performance.now();
    for (let i = 0; i < total; i += 1) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const event = messaging.newEvent('bench.order', `order-${i}`, { i });
      await db.write.transaction((tx) => messaging.appendToOutbox(tx, TOPIC, event, {}));
      committedAt.set(event.id, performance.now());
    }
    const deadline = performance.now() + 30_000;
    while (appliedAt.size < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies = [...committedAt].flatMap(([id, at]) => {
      const applied = appliedAt.get(id);
      return applied === undefined ? [] : [Math.max(0, applied - at)];
    });
    await consumer.stop();
    await relay.stop();

    printTable(
      'Events through the outbox (one relay, one consumer, 6 partitions)',
      ['measure', 'value', 'goal'],
      [
        ['relay throughput, backlog drained', `${Math.round(BACKLOG / drainSeconds)} events/s (${BACKLOG} in ${drainSeconds.toFixed(1)} s)`, '≥ 5,000 events/s'],
        [`commit → applied p50, ${RATE}/s for ${SECONDS} s`, `${percentile(latencies, 50).toFixed(1)} ms`, ''],
        [`commit → applied p99, ${RATE}/s for ${SECONDS} s`, `${percentile(latencies, 99).toFixed(1)} ms`, 'p99 ≤ 200 ms'],
        ['events applied / committed', `${latencies.length} / ${total}`, 'all'],
      ],
    );
  } finally {
    await producer.close();
    await db.close();
    await kafka.stop();
    await pg.stop();
  }
}
