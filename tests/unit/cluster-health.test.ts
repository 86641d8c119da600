import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readKafkaHealth, readLogStoreHealth, type MetadataAdmin } from '@platform/monitoring';
import { freePort } from '@platform/process-runner';

/** Metadata as a broker answers it: partitions with their replicas, in-sync replicas and leader. */
function adminAnswering(topics: Record<string, { leader: number; replicas: number[]; isr: number[] }[]>, brokers = 3): MetadataAdmin & { asked: string[][] } {
  const asked: string[][] = [];
  const admin = {
    asked,
    listTopics: async () => Object.keys(topics),
    metadata: async ({ topics: names }: { topics?: string[] }) => {
      asked.push(names ?? []);
      return {
        id: 'c',
        controllerId: 1,
        lastUpdate: 0,
        brokers: new Map(Array.from({ length: brokers }, (_, i) => [i + 1, { host: 'h', port: 9092, rack: null }])),
        topics: new Map(Object.entries(topics).map(([name, partitions]) => [name, { id: name, partitionsCount: partitions.length, lastUpdate: 0, partitions: partitions.map((p) => ({ ...p, leaderEpoch: 0, offlineReplicas: [] })) }])),
      };
    },
  };
  return admin as unknown as MetadataAdmin & { asked: string[][] };
}

test('a partition with fewer in-sync replicas than replicas is under-replicated, one without a leader offline, internal topics counted', async () => {
  const admin = adminAnswering(
    {
      orders: [
        { leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] },
        { leader: 2, replicas: [2, 3, 1], isr: [2, 1] },
        { leader: -1, replicas: [3, 1, 2], isr: [] },
      ],
      __consumer_offsets: [{ leader: 1, replicas: [1, 3, 2], isr: [1, 2] }],
    },
    2,
  );
  expect(await readKafkaHealth(admin)).toEqual({ brokers: 2, underReplicated: 3, offline: 1 });
  expect(admin.asked).toEqual([['orders', '__consumer_offsets']]);
});

test('an answer the client refuses because a partition has no leader is still counted: that partition offline, the brokers that answered', async () => {
  // As @platformatic/kafka raises it: retries wrapping the response error that carries the broker's answer.
  const answer = {
    brokers: [{ nodeId: 1 }, { nodeId: 2 }],
    topics: [{ name: 'orders', partitions: [{ errorCode: 5, leaderId: -1, replicaNodes: [3], isrNodes: [3] }, { errorCode: 0, leaderId: 1, replicaNodes: [1, 2, 3], isrNodes: [1, 2] }] }],
  };
  const refusing = { listTopics: async () => Promise.reject(Object.assign(new Error('Listing topics failed.'), { errors: [Object.assign(new Error('metadata failed'), { errors: [Object.assign(new Error('LEADER_NOT_AVAILABLE'), { response: answer })] })] })) };
  expect(await readKafkaHealth(refusing as unknown as MetadataAdmin)).toEqual({ brokers: 2, underReplicated: 1, offline: 1 });
  const unreachable = { listTopics: async () => Promise.reject(Object.assign(new Error('Listing topics failed.'), { errors: [new Error('connect ECONNREFUSED')] })) };
  await expect(readKafkaHealth(unreachable as unknown as MetadataAdmin)).rejects.toThrow('Listing topics failed.');
});

describe('the log store health answer', () => {
  let server: Server;
  let answer: { status: number; body: string };
  let url: string;
  let authorization: string | undefined;
  beforeAll(async () => {
    server = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('is read as its colour, node count and unassigned shards, with basic auth when given', async () => {
    answer = { status: 200, body: JSON.stringify({ cluster_name: 'platform-logs', status: 'yellow', number_of_nodes: 2, unassigned_shards: 4 }) };
    expect(await readLogStoreHealth({ urls: [`${url}/`], auth: { username: 'filebeat', password: 's3cret' } })).toEqual({ status: 'yellow', nodes: 2, unassignedShards: 4 });
    expect(authorization).toBe(`Basic ${Buffer.from('filebeat:s3cret').toString('base64')}`);
  });

  test.each([
    [{ status: 200, body: JSON.stringify({ status: 'purple', number_of_nodes: 1, unassigned_shards: 0 }) }, /not a cluster health \(status "purple"\)/],
    [{ status: 200, body: JSON.stringify({ status: 'green' }) }, /not a cluster health/],
    [{ status: 401, body: '{}' }, /answered 401 to \/_cluster\/health/],
  ])('%j is an error, never a colour', async (given, message) => {
    answer = given;
    await expect(readLogStoreHealth({ urls: [url] })).rejects.toThrow(message);
  });

  test("a cluster's nodes are asked in turn: one down, the next one's answer counts", async () => {
    answer = { status: 200, body: JSON.stringify({ status: 'green', number_of_nodes: 3, unassigned_shards: 0 }) };
    const down = `http://127.0.0.1:${await freePort()}`;
    expect(await readLogStoreHealth({ urls: [down, url] })).toEqual({ status: 'green', nodes: 3, unassignedShards: 0 });
    await expect(readLogStoreHealth({ urls: [down] })).rejects.toThrow();
  });
});
