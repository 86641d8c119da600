import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresCluster, startRoleCheckers, withConnection, type PgServer, type PostgresCluster, type RoleCheckers } from '@platform/postgres';
import { freePort } from '@platform/process-runner';
import type { QueryResultRow } from 'pg';
import { testConsulAt } from './consul';

export interface TestPostgres {
  cluster: PostgresCluster;
  stateDir: string;
  /** Present when started with a Consul agent: one role check per server, registered there. */
  roleCheckers?: RoleCheckers;
  /** Runs SQL as the superuser on one server (database `platform` unless told otherwise). */
  sql<R extends QueryResultRow = QueryResultRow>(server: PgServer, text: string, values?: unknown[], database?: string): Promise<R[]>;
  /** What a service needs to use this cluster: writes to the primary, reads from `reader`. */
  serviceEnv(reader?: PgServer): Record<string, string>;
  /** Stops every server and starts them again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops everything and removes the data. */
  stop(): Promise<void>;
}

export interface TestPostgresOptions {
  replicas?: number;
  /** Starts the role checks too, registering the servers with this agent. */
  consulAddr?: string;
  maxReplicaLagMs?: number;
}

/**
 * A real primary and replicas of one test file's own, started through @platform/postgres as
 * `platform up` starts them: own temp dir, free loopback ports. The temp dir is made searchable
 * because the servers run as the postgres user while the tests run as root.
 */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'pg-test-'));
  chmodSync(root, 0o711);
  const stateDir = join(root, 'cluster');
  const count = (options.replicas ?? 2) + 1;
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const checkPorts = await Promise.all(Array.from({ length: count }, () => freePort()));
  const startAll = async (): Promise<{ cluster: PostgresCluster; roleCheckers?: RoleCheckers }> => {
    const cluster = await startPostgresCluster({ stateDir, ports });
    await cluster.waitForStreaming();
    if (!options.consulAddr) return { cluster };
    const roleCheckers = await startRoleCheckers({ cluster, consulAddr: options.consulAddr, consulTokenFile: await testConsulAt(options.consulAddr)?.tokenFile('postgres'), ports: checkPorts, nodeName: 'test-node', logDir: join(root, 'logs'), maxReplicaLagMs: options.maxReplicaLagMs ?? 500 });
    return { cluster, roleCheckers };
  };
  const stopAll = async (): Promise<void> => {
    await handle.roleCheckers?.stop();
    await handle.cluster.stop();
  };
  const handle: TestPostgres = {
    ...(await startAll()),
    stateDir,
    async sql<R extends QueryResultRow>(server: PgServer, text: string, values: unknown[] = [], database = 'platform') {
      return withConnection(handle.cluster.connection(server, 'admin', database), async (client) => (await client.query<R>(text, values)).rows);
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
      rmSync(root, { recursive: true, force: true });
    },
  };
  return handle;
}

const needsDatabase = (entry: string): boolean => /services\/(users|orders)\/dist\/main\.js$/.test(entry);

let shared: { cluster: Promise<PostgresCluster>; root: string; users: number } | undefined;

/**
 * For tests that start users or orders without caring about the database: one primary shared by
 * the instances of a test file, started on first use and stopped (data removed) when the last
 * instance using it has exited. Migrations are applied by the services themselves.
 */
export async function sharedDatabaseFor(entry: string, env: Record<string, string>): Promise<{ env: Record<string, string>; release(): Promise<void> } | undefined> {
  if (!needsDatabase(entry) || env.DB_WRITE_URL) return undefined;
  if (!shared) {
    const root = mkdtempSync(join(tmpdir(), 'pg-shared-'));
    chmodSync(root, 0o711);
    shared = { root, users: 0, cluster: freePort().then((port) => startPostgresCluster({ stateDir: join(root, 'cluster'), ports: [port] })) };
  }
  const mine = shared;
  mine.users += 1;
  const cluster = await mine.cluster;
  return {
    env: { DB_WRITE_URL: cluster.url(cluster.primary), DB_PASSWORD_FILE: cluster.secrets.passwordFile('app'), DB_MIGRATE_ON_START: 'true' },
    async release() {
      mine.users -= 1;
      if (mine.users > 0) return;
      if (shared === mine) shared = undefined;
      await cluster.stop();
      rmSync(mine.root, { recursive: true, force: true });
    },
  };
}
