import { waitFor } from '@platform/process-runner';
import { bootstrapPrimary, takesWrites } from './bootstrap';
import { withConnection, type ConnectionSpec } from './connection';
import type { ServerTls } from './hba';
import { serverUser } from './os-user';
import { memberSettings, startClusterMember } from './patroni/cluster-member';
import { memberPaths, type PgMember } from './patroni/member';
import { DB_ROLES, type ClusterSecrets, type DbRole } from './secrets';
import { prepareState } from './state-dir';

export interface DatabaseNodeOptions {
  /** Holds secrets/ (the cluster's passwords, the same on every node) and the member's folder. */
  stateDir: string;
  /** The member's name (the node's): its folder, its slot on the leader, its application_name. */
  name: string;
  /** The node's private address: PostgreSQL and Patroni's REST API listen there. */
  host: string;
  port: number;
  restPort: number;
  consulAddr: string;
  /** The `patroni` Consul token's file. */
  consulTokenFile?: string;
  /** Networks allowed to log in and to stream (the private subnets), beyond this node. */
  clientCidrs?: readonly string[];
  /** The server's certificate and key: logins from clientCidrs then need TLS (hostssl). */
  tls?: ServerTls;
  scope?: string;
  database?: string;
  synchronous?: boolean;
  sharedBuffers?: string;
  maxConnections?: number;
  log?: (message: string) => void;
}

export interface DatabaseNode {
  readonly member: PgMember;
  readonly secrets: ClusterSecrets;
  readonly database: string;
  /** Connection settings with the password for `role` on this node's server. */
  connection(role?: DbRole, database?: string): ConnectionSpec;
  stop(): Promise<void>;
}

/**
 * One member of a cluster spread over machines (the cloud layout: one per database node). Nodes
 * boot in any order and are alike: Patroni lets the first to take the initialize key run initdb and
 * makes the others replicas of whoever leads. The member that finds itself leading creates the
 * platform's roles and database (idempotent); the others wait until those reach them by replication.
 */
export async function startDatabaseNode(options: DatabaseNodeOptions): Promise<DatabaseNode> {
  const log = options.log ?? (() => undefined);
  const database = options.database ?? 'platform';
  const user = serverUser();
  const secrets = prepareState(options.stateDir, [memberPaths(options.stateDir, options.name).data], user);
  const member = await startClusterMember(
    memberSettings({ ...options, user, secrets, database, log }),
    { name: options.name, port: options.port, restPort: options.restPort },
  );
  const connection = (role: DbRole = 'app', db = database): ConnectionSpec => ({ host: options.host, port: options.port, user: DB_ROLES[role], password: secrets.password(role), database: db });
  try {
    await waitForPlatformDatabase(member, connection, secrets, database, log);
  } catch (err) {
    await member.stop(10_000);
    throw err;
  }
  return { member, secrets, database, connection, stop: () => member.stop() };
}

/**
 * Resolves once this node's server runs (as leader or replica) and holds the app database. A
 * base backup from a busy leader, or a leader on another node still booting, can take minutes.
 */
async function waitForPlatformDatabase(member: PgMember, connection: (role?: DbRole, db?: string) => ConnectionSpec, secrets: ClusterSecrets, database: string, log: (m: string) => void): Promise<void> {
  await waitFor(
    async () => {
      const status = await member.rest.status().catch(() => undefined);
      if (status?.state !== 'running') return false;
      return withConnection(connection('admin', 'postgres'), async (client) => {
        if ((await member.rest.isPrimary().catch(() => false)) && (await takesWrites(client))) await bootstrapPrimary(client, secrets, database, []);
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        return found.rowCount === 1;
      }).catch(() => false);
    },
    { timeoutMs: 600_000, intervalMs: 500, what: `${member.name} to run with the ${database} database (as leader, or as a replica of the leader)` },
  );
  log(`${member.name} runs as ${(await member.rest.isPrimary().catch(() => false)) ? 'leader' : 'replica'} (Patroni) on ${member.host}:${member.port}`);
}
