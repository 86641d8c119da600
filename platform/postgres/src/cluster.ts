import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { bootstrapPrimary } from './bootstrap';
import { withConnection, type ConnectionSpec } from './connection';
import { createPrimaryDataDir, createReplicaDataDir, hasData, isStandby, serverPaths, writeServerConfig } from './data-dirs';
import { assertReachable, chownTree, serverUser, type ServerUser } from './os-user';
import { DB_ROLES, ensureSecrets, type ClusterSecrets, type DbRole } from './secrets';
import { slotName, type ServerTls } from './server-config';
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

/** The state dir made ready for the server user, with the cluster's passwords (made once). */
function prepareState(stateDir: string, names: readonly string[], user: ServerUser | undefined): ClusterSecrets {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  chownTree(stateDir, user);
  assertReachable(stateDir, user);
  const anyData = names.some((n) => hasData(serverPaths(stateDir, n).data));
  if (anyData && !existsSync(join(stateDir, 'secrets', 'admin.password'))) {
    throw new Error(`${stateDir} has data but lost its secrets/ folder; the servers cannot be managed without the passwords`);
  }
  return ensureSecrets(join(stateDir, 'secrets'), user);
}

interface ServerLaunch {
  stateDir: string;
  name: string;
  host: string;
  port: number;
  user: ServerUser | undefined;
  secrets: ClusterSecrets;
  upstream?: { host: string; port: number; slot: string };
  clientCidrs?: readonly string[];
  database: string;
  tls?: ServerTls;
  sharedBuffers?: string;
  maxConnections?: number;
}

/** Rewrites the server's platform settings and starts it on its existing data dir. */
async function launch(spec: ServerLaunch): Promise<PgServer> {
  const paths = serverPaths(spec.stateDir, spec.name);
  const settings = { pgpassFile: spec.secrets.pgpassFile, sharedBuffers: spec.sharedBuffers ?? '16MB', maxConnections: spec.maxConnections ?? 100, clientCidrs: spec.clientCidrs, database: spec.database, tls: spec.tls };
  writeServerConfig(paths.data, { name: spec.name, host: spec.host, port: spec.port, upstream: spec.upstream, ...settings }, spec.user);
  return startServer({ name: spec.name, dataDir: paths.data, logFile: paths.log, user: spec.user, host: spec.host, port: spec.port, adminPassword: spec.secrets.password('admin') });
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
  const secrets = prepareState(options.stateDir, names, user);
  const primaryName = choosePrimary(options.stateDir, names);
  const replicaNames = names.filter((n) => n !== primaryName);

  const started: PgServer[] = [];
  const start = async (name: string, upstream?: { host: string; port: number; slot: string }): Promise<PgServer> => {
    const server = await launch({ stateDir: options.stateDir, name, host, port: portOf.get(name) ?? 0, user, secrets, upstream, database, sharedBuffers: options.sharedBuffers, maxConnections: options.maxConnections });
    started.push(server);
    log(`${name} (${upstream ? 'replica' : 'primary'}) accepting connections on ${host}:${server.port}`);
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

export interface ServerNodeOptions {
  /** Holds secrets/ and the server's folder; on a replica, secrets/ must hold the primary's passwords. */
  stateDir: string;
  /** The server's name: its folder, its slot on the primary, its application_name there. */
  name: string;
  host: string;
  port: number;
  /** Present on a replica: the primary it is made from and streams from. */
  primary?: { host: string; port: number };
  /** On the primary: the replicas that will stream from it (a slot each). */
  replicaNames?: readonly string[];
  /** Networks allowed to log in and to stream (the private subnets), beyond loopback. */
  clientCidrs?: readonly string[];
  /** The server's certificate and key: logins from clientCidrs then need TLS (hostssl). */
  tls?: ServerTls;
  database?: string;
  sharedBuffers?: string;
  maxConnections?: number;
  log?: (message: string) => void;
}

export interface PostgresServerNode {
  readonly server: PgServer;
  readonly role: 'primary' | 'replica';
  readonly secrets: ClusterSecrets;
  readonly database: string;
  /** A postgresql:// URL without password for `role` on this server. */
  url(role?: DbRole): string;
  stop(): Promise<void>;
}

/**
 * One server of a cluster spread over machines (the cloud layout: a database node each). A
 * primary is created by initdb and bootstrapped; a replica by a base backup of the primary,
 * retried while the primary is not reachable yet (nodes boot in any order).
 */
export async function startPostgresServer(options: ServerNodeOptions): Promise<PostgresServerNode> {
  const database = options.database ?? 'platform';
  const log = options.log ?? (() => undefined);
  const user = serverUser();
  const secrets = prepareState(options.stateDir, [options.name], user);
  const dataDir = serverPaths(options.stateDir, options.name).data;
  if (hasData(dataDir) && isStandby(dataDir) !== Boolean(options.primary)) {
    throw new Error(`${dataDir} holds a ${isStandby(dataDir) ? 'replica' : 'primary'}, but this node is configured as a ${options.primary ? 'replica' : 'primary'}`);
  }
  const upstream = options.primary && { ...options.primary, slot: slotName(options.name) };
  if (!hasData(dataDir)) {
    if (upstream) {
      log(`creating the replica ${options.name} (pg_basebackup from ${upstream.host}:${upstream.port})`);
      await waitFor(
        () =>
          createReplicaDataDir(options.stateDir, options.name, upstream, upstream.slot, secrets, user).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 300_000, intervalMs: 2_000, what: `a base backup from the primary at ${upstream.host}:${upstream.port}` },
      );
    } else {
      log(`creating the primary ${options.name} (initdb)`);
      await createPrimaryDataDir(options.stateDir, options.name, secrets, user);
    }
  }
  const server = await launch({ ...options, user, secrets, upstream, database });
  try {
    if (!upstream) {
      const admin = { host: options.host, port: server.port, user: DB_ROLES.admin, password: secrets.password('admin'), database: 'postgres' };
      await withConnection(admin, (client) => bootstrapPrimary(client, secrets, database, (options.replicaNames ?? []).map(slotName)));
    }
  } catch (err) {
    await server.stop(10_000);
    throw err;
  }
  log(`${options.name} (${upstream ? 'replica' : 'primary'}) accepting connections on ${options.host}:${server.port}`);
  return {
    server,
    role: upstream ? 'replica' : 'primary',
    secrets,
    database,
    url: (role = 'app') => `postgresql://${DB_ROLES[role]}@${options.host}:${server.port}/${database}`,
    async stop() {
      await server.stop();
    },
  };
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
