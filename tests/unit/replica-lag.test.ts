import { backendsFor } from '@platform/haproxy/dist/roles';
import { DEFAULT_MAX_REPLICA_LAG_MS, maxReplicaLagVar, replicaCheckPath } from '@platform/service-kit';

test("the database HAProxy asks each replica's role check with the one default bound, by the lag parameter", () => {
  const replicas = backendsFor('db', new Map()).find((b) => b.name === 'pg_replicas');
  expect(replicas?.checkPath).toBe(`/replica?lag=${DEFAULT_MAX_REPLICA_LAG_MS}`);
  expect(DEFAULT_MAX_REPLICA_LAG_MS).toBe(500);
  expect(replicaCheckPath(60_000)).toBe('/replica?lag=60000');
});

test('the bound is read as whole milliseconds up to an hour, unset meaning the default', () => {
  expect(maxReplicaLagVar.parse(undefined)).toBe(500);
  expect(maxReplicaLagVar.parse('1000')).toBe(1000);
  expect(maxReplicaLagVar.safeParse('1.5').success).toBe(false);
  expect(maxReplicaLagVar.safeParse('3600001').success).toBe(false);
});
