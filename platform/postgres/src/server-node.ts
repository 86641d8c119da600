import { PlatformError, waitFor } from '@platform/process-runner';
import { bootstrapPrimary } from './bootstrap';
import { withConnection } from './connection';
import { createPrimaryDataDir, createReplicaDataDir, hasData, isStandby, serverPaths, writeServerConfig } from './data-dirs';
import { serverUser, type ServerUser } from './os-user';
import { prepareState } from './state-dir';
import { DB_ROLES, type ClusterSecrets, type DbRole } from './secrets';
import { slotName, type ServerTls } from './server-config';
import { startServer, type PgServer } from './server-process';

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
  const secrets = prepareState(options.stateDir, [serverPaths(options.stateDir, options.name).data], user);
  const dataDir = serverPaths(options.stateDir, options.name).data;
  if (hasData(dataDir) && isStandby(dataDir) !== Boolean(options.primary)) {
    throw new PlatformError('PLATFORM_DB_ROLE_MISMATCH', `${dataDir} holds a ${isStandby(dataDir) ? 'replica' : 'primary'}, but this node is configured as a ${options.primary ? 'replica' : 'primary'}`);
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
