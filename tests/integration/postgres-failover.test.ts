import { waitFor } from '@platform/process-runner';
import { PatroniRest, type PgMember } from '@platform/postgres';
import type { TestPostgres } from '../harness/postgres';
import { probeRows, startHaDatabase, twoWritersAtOnce, WRITE_PROBE_TABLE, type HaDatabase, type WriteStream } from '../harness/write-stream';

/**
 * High availability with Patroni on a real Consul: a leader and two replicas in synchronous
 * mode, the database HAProxy in front, and a steady stream of writes through its write listener.
 */
let db: HaDatabase;
let pg: TestPostgres;

beforeAll(async () => {
  db = await startHaDatabase();
  pg = db.pg;
});

afterAll(async () => {
  await db?.stop();
});

const writeThroughLb = (): WriteStream => db.writeThroughLb(pg.cluster.primary);

/** Every acknowledged write is on the current leader; returns how many there were. */
async function expectNoneLost(stream: WriteStream): Promise<number> {
  const leader = await pg.cluster.refreshRoles();
  const stored = new Set((await pg.sql<{ v: string }>(leader, `SELECT v FROM ${WRITE_PROBE_TABLE}`)).map((r) => Number(r.v)));
  const lost = stream.acked.filter((w) => !stored.has(w.value)).map((w) => w.value);
  expect(lost).toEqual([]);
  return stream.acked.length;
}

/** A member back as a streaming replica of the current leader's timeline. */
async function expectFollowing(member: PgMember): Promise<void> {
  const leader = await pg.cluster.refreshRoles();
  const leaderTimeline = (await leader.rest.status()).timeline;
  await waitFor(
    async () => {
      const status = await member.rest.status();
      return status.role === 'replica' && status.state === 'running' && status.timeline === leaderTimeline;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${member.name} to follow ${leader.name} on timeline ${leaderTimeline}` },
  );
  await pg.cluster.waitForStreaming();
}

/**
 * Every replica streaming and one of them the synchronous standby. In synchronous mode only that
 * standby may be promoted: a leader lost before Patroni named one (seconds after a restart) is
 * waited for rather than replaced, as no replica is known to have every acknowledged write.
 */
async function settled(): Promise<PgMember> {
  const leader = await pg.cluster.refreshRoles();
  await pg.cluster.waitForStreaming();
  await waitFor(async () => (await leader.rest.cluster()).some((m) => m.role === 'sync_standby'), { timeoutMs: 30_000, intervalMs: 200, what: 'a synchronous standby' });
  return leader;
}

const kill = (pid: number | undefined): void => {
  if (pid !== undefined) process.kill(pid, 'SIGKILL');
};

test("Patroni's REST API refuses a switchover without the cluster's REST credentials, and the leader stays", async () => {
  const leader = await settled();
  const anonymous = new PatroniRest(leader.rest.baseUrl);
  await expect(anonymous.switchover(leader.name)).rejects.toMatchObject({ code: 'PLATFORM_PATRONI_REFUSED', message: expect.stringContaining('401') });
  await expect(anonymous.patchConfig({ synchronous_mode: false })).rejects.toMatchObject({ code: 'PLATFORM_PATRONI_REFUSED' });
  expect((await pg.cluster.refreshRoles()).name).toBe(leader.name);
  expect((await leader.rest.config()).synchronous_mode).toBe(true);
});

test("kill -9 of the leader's PostgreSQL alone: Patroni restarts it in place, the same member keeps the lock", async () => {
  const leader = await settled();
  const stream = writeThroughLb();
  try {
    await stream.firstAckAfter(Date.now(), 10_000);
    const killedAt = Date.now();
    kill(leader.postgresPid());
    const back = await stream.firstAckAfter(killedAt, 30_000);
    console.log(`postgres killed on the leader: writes back after ${back.at - killedAt} ms, ${stream.refused} refused`);
    expect(back.port).toBe(leader.port);
  } finally {
    await stream.stop();
  }
  // Patroni brings a crashed leader back through recovery and promotes it again: a new timeline,
  // the same member.
  expect(await pg.cluster.refreshRoles()).toBe(leader);
  await expectNoneLost(stream);
});

test('kill -9 of the leader and its Patroni: a replica takes the writes, no acknowledged write is lost, and the old leader rejoins as a replica', async () => {
  const old = await settled();
  // Only this stream's rows, so their order by value is the order they were written in.
  await pg.sql(old, `TRUNCATE ${WRITE_PROBE_TABLE}`);
  const stream = writeThroughLb();
  let killedAt = 0;
  try {
    await stream.firstAckAfter(Date.now(), 10_000);
    const postgres = old.postgresPid();
    killedAt = Date.now();
    kill(old.pid);
    kill(postgres);
    const first = await stream.firstAckAfter(killedAt, 30_000);
    console.log(`leader lost: first write on the new leader after ${first.at - killedAt} ms, ${stream.refused} refused`);
    expect(first.port).not.toBe(old.port);
    await waitFor(() => stream.acked.filter((w) => w.at >= first.at).length >= 20, { timeoutMs: 10_000, intervalMs: 50, what: 'twenty writes on the new leader' });
  } finally {
    await stream.stop();
  }
  expect(await pg.cluster.refreshRoles()).not.toBe(old);
  expect(await expectNoneLost(stream)).toBeGreaterThanOrEqual(20);
  // One server took writes at a time: the committed rows, in order, change taker once.
  expect(twoWritersAtOnce(await probeRows(pg, await pg.cluster.refreshRoles()))).toEqual([]);

  await old.restart();
  await expectFollowing(old);
});

test('a planned switchover under writes loses no acknowledged write', async () => {
  const leader = await settled();
  // In synchronous mode only the synchronous standby is sure to have every acknowledged write.
  const syncName = (await leader.rest.cluster()).find((m) => m.role === 'sync_standby')?.name;
  const candidate = pg.cluster.servers.find((m) => m.name === syncName) as PgMember;
  const stream = writeThroughLb();
  try {
    await stream.firstAckAfter(Date.now(), 10_000);
    const startedAt = Date.now();
    await leader.rest.switchover(leader.name, candidate.name);
    const first = await stream.firstAckAfter(startedAt, 30_000);
    await waitFor(() => stream.acked.some((w) => w.port === candidate.port) && stream.acked.at(-1)?.port === candidate.port, { timeoutMs: 30_000, intervalMs: 50, what: `writes to reach ${candidate.name}` });
    const outage = Math.max(0, ...stream.acked.slice(1).map((w, i) => w.at - (stream.acked[i]?.at ?? w.at)));
    console.log(`switchover ${leader.name} -> ${candidate.name}: longest gap between acknowledged writes ${outage} ms, first after ${first.at - startedAt} ms, ${stream.refused} refused`);
  } finally {
    await stream.stop();
  }
  expect(await pg.cluster.refreshRoles()).toBe(candidate);
  await expectNoneLost(stream);
  await expectFollowing(leader);
});
