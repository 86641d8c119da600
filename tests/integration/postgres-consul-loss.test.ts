import { sleep, waitFor } from '@platform/process-runner';
import { DCS_TIMING, withConnection } from '@platform/postgres';
import type { TestConsul } from '../harness/consul';
import type { TestPostgres } from '../harness/postgres';
import { probeRows, startHaDatabase, takerOf, twoWritersAtOnce, writerRuns, type HaDatabase } from '../harness/write-stream';

/** Fencing: a leader that loses its DCS must stop taking writes before anyone else may take the lock. */
let db: HaDatabase;
let consul: TestConsul;
let pg: TestPostgres;

beforeAll(async () => {
  db = await startHaDatabase();
  ({ consul, pg } = db);
});

afterAll(async () => {
  await db?.stop();
});

test('the leader cut off from Consul demotes itself within ttl and takes no write after; with Consul back a leader takes writes again and none acknowledged is lost', async () => {
  const leader = await pg.cluster.refreshRoles();
  const stream = db.writeThroughLb(leader);
  try {
    await stream.firstAckAfter(Date.now(), 10_000);
    const cutAt = Date.now();
    await consul.agent.stop();
    const standby = async (): Promise<boolean> => withConnection(pg.cluster.connection(leader, 'admin', 'postgres'), async (c) => (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r === true);
    await waitFor(() => standby().catch(() => false), { timeoutMs: DCS_TIMING.ttl * 1_000, intervalMs: 100, what: `${leader.name} to demote itself without Consul` });
    const demotedAt = Date.now();
    console.log(`leader cut off from Consul: read-only after ${demotedAt - cutAt} ms`);
    await sleep(2_000);
    // Nothing took a write since: no server holds a lock it can prove.
    expect(stream.acked.filter((w) => w.at > demotedAt)).toEqual([]);

    await consul.restart();
    await pg.cluster.refreshRoles(60_000);
    await stream.firstAckAfter(Date.now(), 60_000);
  } finally {
    await stream.stop();
  }
  const current = await pg.cluster.refreshRoles();
  const rows = await probeRows(pg, current);
  const stored = new Set(rows.map((r) => r.value));
  expect(stream.acked.filter((w) => !stored.has(w.value))).toEqual([]);
  // Through the write listener (6432's stand-in) one server took writes at a time: every committed
  // row, acknowledged or not, in the order written, names its server and timeline, and no taker
  // comes back after another; each acknowledgement names the server that has its row.
  console.log(`writers through the write listener, in order: ${writerRuns(rows).join(' -> ')}`);
  expect(twoWritersAtOnce(rows)).toEqual([]);
  const taker = new Map(rows.map((r) => [r.value, takerOf(r)]));
  expect(stream.acked.filter((w) => taker.get(w.value) !== takerOf(w))).toEqual([]);
});
