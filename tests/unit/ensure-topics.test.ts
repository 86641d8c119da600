import { ProtocolError } from '@platformatic/kafka';
import { messaging } from '@platform/service-kit';

const ORDERS: messaging.TopicSpec = { topic: 'orders.events', partitions: 6, retentionMs: 60_000 };

/** The client wraps the broker's answers in an AggregateError, as a real call does. */
const brokerSays = (apiId: string) => new AggregateError([new ProtocolError(apiId)], `${apiId} from the broker`);

interface FakeBroker {
  topics: Map<string, number>;
  created: string[];
  grown: string[];
  /** Answers of listOffsets, oldest first; once empty every call succeeds. */
  listOffsetsErrors: Error[];
  createError?: Error;
  growError?: Error;
}

/** Stands for one instance's admin client against a broker others are changing at the same time. */
function fakeAdmin(broker: FakeBroker): messaging.TopicAdmin {
  const admin = {
    listTopics: async () => [...broker.topics.keys()],
    createTopics: async ({ topics, partitions }: { topics: string[]; partitions: number }) => {
      if (broker.createError) {
        // The peer's creation lands at the same moment ours is refused.
        for (const t of topics) broker.topics.set(t, partitions);
        throw broker.createError;
      }
      for (const t of topics) broker.topics.set(t, partitions);
      broker.created.push(...topics);
      return [];
    },
    createPartitions: async ({ topics }: { topics: { name: string; count: number }[] }) => {
      for (const t of topics) broker.topics.set(t.name, t.count);
      if (broker.growError) throw broker.growError;
      broker.grown.push(...topics.map((t) => t.name));
    },
    metadata: async ({ topics }: { topics: string[] }) => ({
      topics: new Map(topics.filter((t) => broker.topics.has(t)).map((t) => [t, { partitionsCount: broker.topics.get(t) }])),
    }),
    listOffsets: async () => {
      const error = broker.listOffsetsErrors.shift();
      if (error) throw error;
      return [];
    },
  };
  return admin as unknown as messaging.TopicAdmin;
}

const newBroker = (over: Partial<FakeBroker> = {}): FakeBroker => ({ topics: new Map(), created: [], grown: [], listOffsetsErrors: [], ...over });

test('creates a missing topic and returns once every partition is served', async () => {
  const broker = newBroker();
  expect(await messaging.ensureTopicsWith(fakeAdmin(broker), [ORDERS], 1_000, 1)).toEqual(['created orders.events (6 partitions)']);
  expect(broker.topics.get('orders.events')).toBe(6);
});

test('a topic another instance created first is taken as it is, and partitions the broker does not serve yet are waited for', async () => {
  const broker = newBroker({
    createError: brokerSays('TOPIC_ALREADY_EXISTS'),
    listOffsetsErrors: [brokerSays('UNKNOWN_TOPIC_OR_PARTITION'), brokerSays('UNKNOWN_TOPIC_OR_PARTITION'), brokerSays('LEADER_NOT_AVAILABLE')],
  });
  expect(await messaging.ensureTopicsWith(fakeAdmin(broker), [ORDERS], 5_000, 1)).toEqual([]);
  expect(broker.created).toEqual([]);
  expect(broker.listOffsetsErrors).toEqual([]);
});

test('a topic with fewer partitions is grown, and a peer growing it first is no error', async () => {
  const grownHere = newBroker({ topics: new Map([['orders.events', 3]]) });
  expect(await messaging.ensureTopicsWith(fakeAdmin(grownHere), [ORDERS], 1_000, 1)).toEqual(['grew orders.events from 3 to 6 partitions']);
  const grownByPeer = newBroker({ topics: new Map([['orders.events', 3]]), growError: brokerSays('INVALID_PARTITIONS') });
  expect(await messaging.ensureTopicsWith(fakeAdmin(grownByPeer), [ORDERS], 1_000, 1)).toEqual([]);
  expect(grownByPeer.topics.get('orders.events')).toBe(6);
});

test('a broker that never serves the topic fails the start after the timeout, naming the topic and its answer', async () => {
  const broker = newBroker({ listOffsetsErrors: Array.from({ length: 10_000 }, () => brokerSays('UNKNOWN_TOPIC_OR_PARTITION')) });
  await expect(messaging.ensureTopicsWith(fakeAdmin(broker), [ORDERS], 200, 1)).rejects.toThrow(/orders\.events not ready after 200 ms: .*does not host this topic-partition/);
});

test('any other refusal is not mistaken for a peer having created the topic', () => {
  expect(messaging.hasProtocolError(brokerSays('TOPIC_ALREADY_EXISTS'), 'TOPIC_ALREADY_EXISTS')).toBe(true);
  expect(messaging.hasProtocolError(brokerSays('TOPIC_AUTHORIZATION_FAILED'), 'TOPIC_ALREADY_EXISTS')).toBe(false);
  expect(messaging.hasProtocolError(new Error('TOPIC_ALREADY_EXISTS'), 'TOPIC_ALREADY_EXISTS')).toBe(false);
});
