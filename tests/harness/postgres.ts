import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresCluster, startRoleCheckers, withConnection, type PgMember, type PostgresCluster, type RoleCheckers } from '@platform/postgres';
import { freePort, waitFor } from '@platform/process-runner';
import { DEFAULT_MAX_REPLICA_LAG_MS } from '@platform/service-kit';
import type { QueryResultRow } from 'pg';
import { startTestConsul, testConsulAt, type TestConsul } from './consul';
import { stoppedAtEnd } from './stopped-at-end';

export interface TestPostgres {
  cluster: PostgresCluster;
  stateDir: string;
  /** Present when started with roleChecks: one role check per server, registered in Consul. */
  roleCheckers?: RoleCheckers;
  /** The Consul agent Patroni keeps its lock in (the caller's, or one of the harness's own). */
  consulAddr: string;
  /** Runs SQL as the superuser on one server (database `platform` unless told otherwise). */
  sql<R extends QueryResultRow = QueryResultRow>(server: PgMember, text: string, values?: unknown[], database?: string): Promise<R[]>;
  /**
   * Pauses WAL replay on a replica so it falls behind. Patroni resumes a paused replay at every
   * loop (PostgreSQL 14+ pauses on parameter changes), so the cluster is in maintenance mode
   * while any replica is held.
   */
  pauseReplay(server: PgMember): Promise<void>;
  resumeReplay(server: PgMember): Promise<void>;
  /** What a service needs to use this cluster: writes to the primary, reads from `reader`. */
  serviceEnv(reader?: PgMember): Record<string, string>;
  /** Stops every server and starts them again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops everything and removes the data. */
  stop(): Promise<void>;
}

export interface TestPostgresOptions {
  replicas?: number;
  /** Patroni's Consul agent; without it the harness starts one of its own. */
  consulAddr?: string;
  /** Starts the role checks too, registering the servers with the agent. */
  roleChecks?: boolean;
  maxReplicaLagMs?: number;
  /** Synchronous replication (Patroni's synchronous_mode); on unless told. */
  synchronous?: boolean;
}

/**
 * A real Patroni cluster (leader and replicas) of one test file's own, started through
 * @platform/postgres as `platform up` starts it: own temp dir, free loopback ports, own Consul
 * agent unless given one. The temp dir is made searchable
 * because the servers run as the postgres user while the tests run as root.
 */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'pg-test-'));
  chmodSync(root, 0o711);
  const stateDir = join(root, 'cluster');
  const count = (options.replicas ?? 2) + 1;
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const restPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const checkPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const ownConsul: TestConsul | undefined = options.consulAddr ? undefined : await startTestConsul();
  const consulAddr = options.consulAddr ?? ownConsul?.httpAddr ?? '';
  const startAll = async (): Promise<{ cluster: PostgresCluster; roleCheckers?: RoleCheckers }> => {
    const testConsul = testConsulAt(consulAddr);
    const cluster = await startPostgresCluster({ stateDir, ports, restPorts, consulAddr, consulTokenFile: await testConsul?.tokenFile('patroni'), synchronous: options.synchronous });
    await cluster.waitForStreaming().catch(async (err: unknown) => {
      await cluster.stop();
      throw err;
    });
    if (!options.roleChecks) return { cluster };
    const roleCheckers = await startRoleCheckers({ cluster, consulAddr, consulTokenFile: await testConsul?.tokenFile('postgres'), ports: checkPorts, nodeName: 'test-node', logDir: join(root, 'logs'), maxReplicaLagMs: options.maxReplicaLagMs ?? DEFAULT_MAX_REPLICA_LAG_MS });
    return { cluster, roleCheckers };
  };
  const stopAll = async (): Promise<void> => {
    await handle.roleCheckers?.stop();
    await handle.cluster.stop();
  };
  const paused = new Set<string>();
  /** Maintenance mode on (every member has seen it) or off. */
  const setMaintenance = async (on: boolean): Promise<void> => {
    const { servers } = handle.cluster;
    await servers[0]?.rest.patchConfig({ pause: on ? true : null });
    await waitFor(async () => (await Promise.all(servers.map(async (m) => ((await m.rest.status()) as { pause?: boolean }).pause === true))).every((p) => p === on), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: `every Patroni member to ${on ? 'enter' : 'leave'} maintenance mode`,
    });
  };
  // A failed start keeps its folder (Patroni's and PostgreSQL's logs, named in the error); the
  // run's temporary folder goes when the run passes.
  const first = await startAll().catch(async (err: unknown) => {
    await ownConsul?.stop();
    throw err;
  });
  const handle: TestPostgres = {
    ...first,
    consulAddr,
    stateDir,
    async sql<R extends QueryResultRow>(server: PgMember, text: string, values: unknown[] = [], database = 'platform') {
      return withConnection(handle.cluster.connection(server, 'admin', database), async (client) => (await client.query<R>(text, values)).rows);
    },
    async pauseReplay(server) {
      if (paused.size === 0) await setMaintenance(true);
      paused.add(server.name);
      await handle.sql(server, 'SELECT pg_wal_replay_pause()');
    },
    async resumeReplay(server) {
      await handle.sql(server, 'SELECT pg_wal_replay_resume()');
      if (paused.delete(server.name) && paused.size === 0) await setMaintenance(false);
    },
    serviceEnv(reader) {
      const { cluster } = handle;
      return { DB_WRITE_URL: cluster.url(cluster.primary), DB_READ_URL: cluster.url(reader ?? cluster.replicas[0] ?? cluster.primary), DB_PASSWORD_FILE: cluster.secrets.passwordFile('app') };
    },
    async restart() {
      await stopAll();
      Object.assign(handle, await startAll());
    },
    async stop() {
      await stopAll();
      await ownConsul?.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return stoppedAtEnd(handle);
}

const needsDatabase = (entry: string): boolean => /services\/(users|orders)\/dist\/main\.js$/.test(entry);

let shared: { started: Promise<TestPostgres>; users: number } | undefined;

/**
 * For tests that start users or orders without caring about the database: one leader shared by
 * the instances of a test file, started on first use and stopped (data removed) when the last
 * instance using it has exited. Migrations are applied by the services themselves.
 */
export async function sharedDatabaseFor(entry: string, env: Record<string, string>): Promise<{ env: Record<string, string>; release(): Promise<void> } | undefined> {
  if (!needsDatabase(entry) || env.DB_WRITE_URL) return undefined;
  // A lone leader: Patroni needs its Consul even then, so the harness brings one.
  if (!shared) shared = { users: 0, started: startTestPostgres({ replicas: 0, synchronous: false }) };
  const mine = shared;
  mine.users += 1;
  const pg = await mine.started;
  const { cluster } = pg;
  return {
    env: { DB_WRITE_URL: cluster.url(cluster.primary), DB_PASSWORD_FILE: cluster.secrets.passwordFile('app'), DB_MIGRATE_ON_START: 'true' },
    async release() {
      mine.users -= 1;
      if (mine.users > 0) return;
      if (shared === mine) shared = undefined;
      await pg.stop();
    },
  };
}
