import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { bootstrapPrimary } from './bootstrap';
import { withConnection, type ConnectionSpec } from './connection';
import { createPrimaryDataDir, createReplicaDataDir, hasData, isStandby, serverPaths, writeServerConfig } from './data-dirs';
import { assertReachable, chownTree, serverUser } from './os-user';
import { DB_ROLES, ensureSecrets, type ClusterSecrets, type DbRole } from './secrets';
import { slotName } from './server-config';
import { startServer, type PgServer } from './server-process';

export interface ClusterOptions {
  /** Holds secrets/ and one folder per server (pg-0, pg-1, ...); everything survives restarts. */
  stateDir: string;
  /** One port per server; the length sets the size (1 primary + replicas). */
  ports: readonly number[];
  host?: string;
  /** The application database, owned by the app role. */
  database?: string;
  sharedBuffers?: string;
  maxConnections?: number;
  log?: (message: string) => void;
}

export interface PostgresCluster {
  readonly stateDir: string;
  readonly database: string;
  readonly secrets: ClusterSecrets;
  readonly primary: PgServer;
  readonly replicas: readonly PgServer[];
  /** Every server in name order (pg-0, pg-1, ...). */
  readonly servers: readonly PgServer[];
  /** A postgresql:// URL without password (that stays in its file) for `role` on `server`. */
  url(server: PgServer, role?: DbRole): string;
  /** Connection settings with the password, for code that connects directly (tests, tools). */
  connection(server: PgServer, role?: DbRole, database?: string): ConnectionSpec;
  /** Resolves once the primary reports every replica streaming. */
  waitForStreaming(timeoutMs?: number): Promise<void>;
  /** Replicas first, then the primary; each gets a fast shutdown. */
  stop(): Promise<void>;
}

/**
 * The primary is whichever existing data dir is not a standby, so the roles come from the data
 * (ready for a promotion some day) rather than from the order of the folders.
 */
function choosePrimary(stateDir: string, names: readonly string[]): string {
  const existing = names.filter((n) => hasData(serverPaths(stateDir, n).data));
  if (existing.length === 0) return names[0] ?? 'pg-0';
  const primaries = existing.filter((n) => !isStandby(serverPaths(stateDir, n).data));
  if (primaries.length !== 1 || !primaries[0]) {
    throw new Error(`expected exactly one primary data dir under ${stateDir}, found ${primaries.length} (${primaries.join(', ') || 'none'}); fix or remove the folder`);
  }
  return primaries[0];
}

/** Creates what is missing (primary by initdb, replicas by base backup), then starts every server. */
export async function startPostgresCluster(options: ClusterOptions): Promise<PostgresCluster> {
  const host = options.host ?? '127.0.0.1';
  const database = options.database ?? 'platform';
  const log = options.log ?? (() => undefined);
  const user = serverUser();
  const names = options.ports.map((_, i) => `pg-${i}`);
  if (names.length === 0) throw new Error('a cluster needs at least one port');
  const portOf = new Map(names.map((n, i) => [n, options.ports[i] ?? 0]));

  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  chmodSync(options.stateDir, 0o700);
  chownTree(options.stateDir, user);
  assertReachable(options.stateDir, user);
  const anyData = names.some((n) => hasData(serverPaths(options.stateDir, n).data));
  if (anyData && !existsSync(join(options.stateDir, 'secrets', 'admin.password'))) {
    throw new Error(`${options.stateDir} has data but lost its secrets/ folder; the servers cannot be managed without the passwords`);
  }
  const secrets = ensureSecrets(join(options.stateDir, 'secrets'), user);
  const primaryName = choosePrimary(options.stateDir, names);
  const replicaNames = names.filter((n) => n !== primaryName);
  const serverSettings = { pgpassFile: secrets.pgpassFile, sharedBuffers: options.sharedBuffers ?? '16MB', maxConnections: options.maxConnections ?? 100 };

  const started: PgServer[] = [];
  const start = async (name: string, upstream?: { host: string; port: number; slot: string }): Promise<PgServer> => {
    const paths = serverPaths(options.stateDir, name);
    const port = portOf.get(name) ?? 0;
    writeServerConfig(paths.data, { name, host, port, upstream, ...serverSettings }, user);
    const server = await startServer({ name, dataDir: paths.data, logFile: paths.log, user, host, port, adminPassword: secrets.password('admin') });
    started.push(server);
    log(`${name} (${upstream ? 'replica' : 'primary'}) accepting connections on ${host}:${port}`);
    return server;
  };
  try {
    const primaryPaths = serverPaths(options.stateDir, primaryName);
    if (!hasData(primaryPaths.data)) {
      log(`creating the primary ${primaryName} (initdb)`);
      await createPrimaryDataDir(options.stateDir, primaryName, secrets, user);
    }
    const primary = await start(primaryName);
    const admin = { host, port: primary.port, user: DB_ROLES.admin, password: secrets.password('admin'), database: 'postgres' };
    await withConnection(admin, (client) => bootstrapPrimary(client, secrets, database, replicaNames.map(slotName)));

    const replicas = await Promise.all(
      replicaNames.map(async (name) => {
        const upstream = { host, port: primary.port, slot: slotName(name) };
        if (!hasData(serverPaths(options.stateDir, name).data)) {
          log(`creating the replica ${name} (pg_basebackup from ${primaryName})`);
          await createReplicaDataDir(options.stateDir, name, upstream, upstream.slot, secrets, user);
        }
        return start(name, upstream);
      }),
    );
    return describeCluster(options.stateDir, database, host, secrets, primary, replicas);
  } catch (err) {
    for (const server of started.reverse()) await server.stop(10_000);
    throw err;
  }
}

function describeCluster(stateDir: string, database: string, host: string, secrets: ClusterSecrets, primary: PgServer, replicas: PgServer[]): PostgresCluster {
  const servers = [primary, ...replicas].sort((a, b) => a.name.localeCompare(b.name));
  const connection = (server: PgServer, role: DbRole = 'app', db = database): ConnectionSpec => ({ host, port: server.port, user: DB_ROLES[role], password: secrets.password(role), database: db });
  return {
    stateDir,
    database,
    secrets,
    primary,
    replicas,
    servers,
    url: (server, role = 'app') => `postgresql://${DB_ROLES[role]}@${host}:${server.port}/${database}`,
    connection,
    async waitForStreaming(timeoutMs = 30_000) {
      await waitFor(
        () =>
          withConnection(connection(primary, 'admin', 'postgres'), async (client) => {
            const res = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
            return (res.rows[0]?.n ?? 0) >= replicas.length;
          }),
        { timeoutMs, intervalMs: 100, what: `${replicas.length} replicas to stream from ${primary.name}` },
      );
    },
    async stop() {
      await Promise.all(replicas.map((r) => r.stop()));
      await primary.stop();
    },
  };
}
