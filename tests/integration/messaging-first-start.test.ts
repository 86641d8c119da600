import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessagesStreamModes } from '@platformatic/kafka';
import { startChild, waitFor } from '@platform/process-runner';
import { messaging } from '@platform/service-kit';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestKafka, type TestKafka } from '../harness/kafka';
import { pinnedNodeVersionPattern } from '../harness/node-runtime';
import { startTestPostgres, type TestPostgres } from '../harness/postgres';
import { entryPoints, repoRoot, startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * A fresh machine's first `platform up`: every instance of every service starts at the same
 * moment against a broker that has no topic yet, so they race to create and describe the same
 * topics (once, one users instance crashed with "This server does not host this topic-partition").
 */
let consul: TestConsul;
let pg: TestPostgres;
let kafka: TestKafka;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  [consul, pg, kafka] = await Promise.all([startTestConsul(), startTestPostgres({ replicas: 0 }), startTestKafka()]);
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.child.stop(10_000)));
  await Promise.all([kafka.stop(), pg.stop()]);
  await consul.stop();
});

test('two users and two orders instances started at once against a new broker all start, and each topic exists once with its partitions', async () => {
  const env = { ...pg.serviceEnv(pg.cluster.primary), DB_MIGRATE_ON_START: 'true', KAFKA_BROKERS: kafka.brokers.join(','), DRAIN_MS: '0' };
  const instances: [string, string][] = [
    ['users', entryPoints.users],
    ['users', entryPoints.users],
    ['orders', entryPoints.orders],
    ['orders', entryPoints.orders],
  ];
  const results = await Promise.allSettled(
    instances.map(([service, entry], i) => startRegisteredService(entry, service, consul.httpAddr, { ...env, INSTANCE_ID: `${service}-race-${i}` })),
  );
  for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
  expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual(['started', 'started', 'started', 'started']);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(started.filter((p) => !p.child.isRunning()).map((p) => `${p.instanceId}:\n${p.output()}`)).toEqual([]);

  const admin = messaging.createAdmin(messaging.createKafka('race-test', kafka.brokers));
  try {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    expect(topics).toEqual(['orders.events', 'orders.events.dlq']);
    expect((await messaging.topicEndOffsets(admin, 'orders.events')).size).toBe(6);
  } finally {
    await admin.close();
  }
});

test('every instance runs on the pinned Node.js major (its own nodejs_version_info metric)', async () => {
  expect(started).toHaveLength(4);
  for (const instance of started) {
    const metrics = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
    const version = /^nodejs_version_info\{version="([^"]+)"/m.exec(metrics)?.[1];
    expect(version).toMatch(pinnedNodeVersionPattern());
  }
});

test('a users instance stopped while its consumer group rebalances (a member died without leaving, a new one joins) exits 0 with no uncaught error', async () => {
  // The rolling deploy's case: the old instance drains while its consumer's rejoin, started by
  // the library on a "rebalance in progress" heartbeat, waits on the broker for a member that
  // crashed. Its close used to cut that rejoin, whose "Connection closed" became an 'error' event
  // nobody heard: uncaughtException, exit 1, and no LeaveGroup for the next rebalance.
  const draining = started.find((p) => p.instanceId.startsWith('users-'));
  if (!draining) throw new Error('no users instance left from the first test');
  const group = 'users.order-stats';
  const ghostOutput = `${draining.outputFile}.member`;
  const ghost = startChild(process.execPath, [join(repoRoot, 'tests/dist/fixtures/kafka-group-member.js'), kafka.brokers.join(','), group, 'orders.events'], { outputFile: ghostOutput });
  await waitFor(() => readFileSync(ghostOutput, 'utf8').includes('joined'), { timeoutMs: 20_000, what: 'the fixture member in the group' });
  await ghost.stop(0, 'SIGKILL');

  // A newcomer starts a rebalance that cannot finish before the dead member's 10 s session ends.
  const newcomer = messaging.createGroupConsumer(messaging.createKafka('rebalance-newcomer', kafka.brokers), group);
  const joined = newcomer.consume({ topics: ['orders.events'], mode: MessagesStreamModes.COMMITTED }).catch((err: unknown) => err);
  try {
    // Past one heartbeat (1 s): the instance has been told of the rebalance and is rejoining.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const exit = await draining.child.stop(15_000);
    expect({ exit, uncaught: /uncaughtException|unhandledRejection|Connection closed/.exec(draining.output())?.[0] }).toEqual({ exit: { code: 0, signal: null }, uncaught: undefined });
  } finally {
    await joined;
    await newcomer.close(true).catch(() => undefined);
  }
}, 45_000);
