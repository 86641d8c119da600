import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessagesStreamModes, Producer, type Admin } from '@platformatic/kafka';
import { Registry } from 'prom-client';
import { createLogger, dbConfigShape, loadConfig, messaging, openDatabase, type Database } from '@platform/service-kit';
import { waitFor } from '@platform/process-runner';
import { startTestKafka, type TestKafka } from '../harness/kafka';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';

const TOPIC = 'orders.events';
let db: TestPostgres;
let kafka: TestKafka;
let database: Database;
let relay: messaging.OutboxRelay;
let consumer: messaging.IdempotentConsumer;
let lagPoller: messaging.ConsumerLagPoller;
let lagAdmin: Admin;
const metricsRegistry = new Registry();
const logDir = mkdtempSync(join(tmpdir(), 'messaging-logs-'));
const logger = createLogger({ service: 'users', instanceId: 'users-msg-test', node: 'test', level: 'info', toStdout: false, logDir });
const kafkaClient = () => messaging.createKafka('messaging-test', kafka.brokers);

async function placeOrders(count: number, userId: string, requestId?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const event = messaging.newEvent('order.created', `order-${userId}-${Date.now()}-${i}`, { userId });
    await database.write.transaction((tx) => messaging.appendToOutbox(tx, TOPIC, event, { requestId }));
    ids.push(event.id);
  }
  return ids;
}

const ordersOf = async (userId: string): Promise<number> => Number((await database.write.query<{ orders: number }>('SELECT orders FROM stats WHERE user_id = $1', [userId])).rows[0]?.orders ?? 0);

beforeAll(async () => {
  [db, kafka] = await Promise.all([startTestPostgres({ replicas: 0 }), startTestKafka()]);
  const app = db.cluster.connection(db.cluster.primary, 'app');
  await db.sql(db.cluster.primary, `CREATE SCHEMA messaging_test AUTHORIZATION ${app.user}`);
  const config = loadConfig({ ...db.serviceEnv(db.cluster.primary), DB_SCHEMA: 'messaging_test' }, dbConfigShape);
  database = await openDatabase({ service: 'messaging-test', config, logger, registry: new Registry() });
  await database.write.query(messaging.OUTBOX_TABLE_SQL);
  await database.write.query(messaging.INBOX_TABLE_SQL);
  await database.write.query('CREATE TABLE stats (user_id text PRIMARY KEY, orders integer NOT NULL)');
  await messaging.ensureTopics(kafka.brokers, [
    { topic: TOPIC, partitions: 6, retentionMs: 86_400_000 },
    { topic: messaging.deadLetterTopic(TOPIC), partitions: 1, retentionMs: 86_400_000 },
  ]);
  const client = kafkaClient();
  const producer = messaging.createIdempotentProducer(client);
  relay = new messaging.OutboxRelay({ db: database.write, producer, logger });
  relay.start();
  consumer = new messaging.IdempotentConsumer({
    kafka: client,
    db: database.write,
    name: 'users.order-stats',
    topic: TOPIC,
    producer,
    logger,
    handlers: {
      'order.created': async (tx, event) => {
        const { userId } = event.payload as { userId: string };
        if (userId === 'poison-user') throw new Error('this user cannot have orders');
        await tx.query('INSERT INTO stats (user_id, orders) VALUES ($1, 1) ON CONFLICT (user_id) DO UPDATE SET orders = stats.orders + 1', [userId]);
      },
    },
  });
  consumer.start();
  lagAdmin = messaging.createAdmin(client);
  lagPoller = new messaging.ConsumerLagPoller({
    admin: lagAdmin,
    consumers: [
      { group: 'users.order-stats', topic: TOPIC },
      // A group that never consumed: its lag is everything on the topic.
      { group: 'users.idle', topic: TOPIC },
      { group: 'users.not-yet', topic: 'orders.not-created-yet' },
    ],
    logger,
    intervalMs: 300,
  });
  lagPoller.start();
  messaging.createMessagingMetrics(metricsRegistry, { db: database.write, outbox: true, lag: lagPoller, logger });
});

/** `metric{labels} value` lines of one metric, as Prometheus would scrape them. */
async function scrape(metric: string): Promise<{ labels: string; value: number }[]> {
  const text = await metricsRegistry.metrics();
  return [...text.matchAll(new RegExp(`^${metric}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => ({ labels: m[1] ?? '', value: Number(m[2]) }));
}
const lagOf = async (group: string) => (await scrape('kafka_consumer_lag')).filter((s) => s.labels.includes(`group="${group}"`));
const sum = (samples: { value: number }[]) => samples.reduce((n, s) => n + s.value, 0);

afterAll(async () => {
  await lagPoller.stop();
  await lagAdmin.close();
  await relay.stop();
  await consumer.stop();
  await database.close();
  await kafka.stop();
  await db.stop();
});

test('1,000 events written in business transactions are applied exactly 1,000 times', async () => {
  await placeOrders(1_000, 'u-thousand');
  await waitFor(async () => (await ordersOf('u-thousand')) === 1_000, { timeoutMs: 60_000, intervalMs: 200, what: '1,000 events to be applied' });
  const backlog = await database.write.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL');
  expect(Number(backlog.rows[0]?.n)).toBe(0);
});

test('metrics: consumer lag per partition and outbox backlog; a topic nobody created yet gives no series and no error', async () => {
  const ends = await messaging.topicEndOffsets(lagAdmin, TOPIC);
  const onTopic = [...ends.values()].reduce((n, end) => n + end, 0);
  expect(onTopic).toBeGreaterThanOrEqual(1_000);
  await waitFor(async () => (await lagOf('users.idle')).length === 6 && sum(await lagOf('users.idle')) >= onTopic, { timeoutMs: 10_000, what: 'the idle group lag' });
  await waitFor(async () => (await lagOf('users.order-stats')).length === 6 && sum(await lagOf('users.order-stats')) === 0, { timeoutMs: 10_000, what: 'the consuming group to be caught up' });
  expect(await lagOf('users.not-yet')).toEqual([]);
  expect(await scrape('outbox_backlog')).toEqual([{ labels: '', value: 0 }]);
});

test('events published twice (a relay crashed between send and commit) are applied once', async () => {
  await placeOrders(50, 'u-resent');
  await waitFor(async () => (await ordersOf('u-resent')) === 50, { timeoutMs: 30_000, what: 'the first delivery' });
  await database.write.query("UPDATE outbox SET sent_at = NULL WHERE value->'payload'->>'userId' = 'u-resent'");
  await waitFor(async () => Number((await database.write.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')).rows[0]?.n) === 0, { timeoutMs: 30_000, what: 'the resend' });
  await waitFor(() => (readFileSync(join(logDir, 'users', 'users-msg-test.log'), 'utf8').match(/duplicate event skipped/g) ?? []).length >= 50, { timeoutMs: 30_000, what: '50 duplicates to be seen' });
  expect(await ordersOf('u-resent')).toBe(50);
});

test('broker stopped for 30 s: every write still commits, and afterwards every event is applied exactly once', async () => {
  await kafka.stopBroker();
  const started = Date.now();
  let written = 0;
  while (Date.now() - started < 30_000) {
    await placeOrders(10, 'u-outage');
    written += 10;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const pending = Number((await database.write.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND value->'payload'->>'userId' = 'u-outage'")).rows[0]?.n);
  expect(pending).toBe(written);
  // A scrape during the outage still answers: the backlog counted now, the lag as last read.
  expect(sum(await scrape('outbox_backlog'))).toBeGreaterThanOrEqual(written);
  expect(await lagOf('users.order-stats')).toHaveLength(6);
  await kafka.startBroker();
  await waitFor(async () => (await ordersOf('u-outage')) === written, { timeoutMs: 90_000, intervalMs: 500, what: `all ${written} events after the broker returned` });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(await ordersOf('u-outage')).toBe(written);
});

test('a poison message and a failing event go to the dead-letter topic with their error; later events still apply', async () => {
  const client = kafkaClient();
  const raw = new Producer(client);
  await raw.send({ messages: [{ topic: TOPIC, key: Buffer.from('junk'), value: Buffer.from('this is not an event') }] });
  await raw.close();
  await placeOrders(1, 'poison-user');
  await placeOrders(5, 'u-after-poison');
  await waitFor(async () => (await ordersOf('u-after-poison')) === 5, { timeoutMs: 30_000, what: 'events after the poison to apply' });

  const dlq = messaging.createGroupConsumer(client, `dlq-reader-${Date.now()}`);
  const seen: { error: string; value: string }[] = [];
  const stream = await dlq.consume({ topics: [messaging.deadLetterTopic(TOPIC)], mode: MessagesStreamModes.EARLIEST });
  const header = (headers: Map<Buffer, Buffer>, name: string) => [...headers].find(([key]) => key.toString() === name)?.[1].toString() ?? '';
  stream.on('data', (message) => void seen.push({ error: header(message.headers, 'dlq-error'), value: message.value.toString() }));
  await waitFor(() => seen.length >= 2, { timeoutMs: 30_000, what: 'two dead letters' });
  await dlq.close(true);
  expect(seen.map((s) => s.error)).toEqual(expect.arrayContaining(['message value is not JSON', 'this user cannot have orders']));
  expect(seen.find((s) => s.error === 'this user cannot have orders')?.value).toContain('poison-user');
  const inbox = await database.write.query("SELECT status FROM inbox WHERE status = 'dead-lettered'");
  expect(inbox.rowCount).toBe(1);
});

test('the request id of the write travels in the Kafka headers and reaches the consumer log line', async () => {
  const [eventId] = await placeOrders(1, 'u-traced', 'req-traced-0001');
  await waitFor(async () => (await ordersOf('u-traced')) === 1, { timeoutMs: 30_000, what: 'the traced event' });
  const lines = readFileSync(join(logDir, 'users', 'users-msg-test.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(eventId as string));
  expect(lines.some((l) => l.includes('event applied') && l.includes('req-traced-0001'))).toBe(true);
});

test('published rows are deleted from the outbox once older than the keep time', async () => {
  await relay.stop();
  const producer = messaging.createIdempotentProducer(kafkaClient());
  relay = new messaging.OutboxRelay({ db: database.write, producer, logger, keepSentMs: 0, cleanupEveryMs: 200 });
  relay.start();
  await placeOrders(10, 'u-cleanup');
  await waitFor(async () => (await ordersOf('u-cleanup')) === 10, { timeoutMs: 30_000, what: 'the events to apply' });
  await waitFor(async () => Number((await database.write.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]?.n) === 0, {
    timeoutMs: 10_000,
    what: 'the sent rows to be deleted',
  });
});
