import { sleep, waitFor } from '@platform/process-runner';
import { bootstrapPrimary, takesWrites } from './bootstrap';
import { withConnection, type ConnectionSpec } from './connection';
import { serverUser } from './os-user';
import { memberSettings, startClusterMember, type ClusterMemberSettings, type MemberPlan } from './patroni/cluster-member';
import { memberPaths, type PgMember } from './patroni/member';
import { DB_ROLES, type ClusterSecrets, type DbRole } from './secrets';
import { hasData, prepareState } from './state-dir';

export interface ClusterOptions {
  /** Holds secrets/ and one folder per member (pg-0, pg-1, ...); everything survives restarts. */
  stateDir: string;
  /** One PostgreSQL port per member; the length sets the size (1 leader + replicas). */
  ports: readonly number[];
  /** One Patroni REST API port per member. */
  restPorts: readonly number[];
  /** host:port of the Consul agent Patroni keeps its leader lock and state in. */
  consulAddr: string;
  /** A file holding the Consul token, where Consul has ACLs (CONSUL_HTTP_TOKEN_FILE). */
  consulTokenFile?: string;
  /** The cluster's name in Consul (patroni/<scope>/). */
  scope?: string;
  /** Commit waits for a synchronous standby (default): an acknowledged write survives a failover. */
  synchronous?: boolean;
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
  readonly scope: string;
  readonly secrets: ClusterSecrets;
  /** Every member in name order (pg-0, pg-1, ...). */
  readonly servers: readonly PgMember[];
  /** The leader as last seen (at start or by refreshRoles()); Patroni may move it at any time. */
  readonly primary: PgMember;
  readonly replicas: readonly PgMember[];
  /** Waits until exactly one member holds the leader lock with PostgreSQL running, and notes it. */
  refreshRoles(timeoutMs?: number): Promise<PgMember>;
  /** A postgresql:// URL without password (that stays in its file) for `role` on `server`. */
  url(server: PgMember, role?: DbRole): string;
  /** Connection settings with the password, for code that connects directly (tests, tools). */
  connection(server: PgMember, role?: DbRole, database?: string): ConnectionSpec;
  /** Resolves once the leader reports every other member streaming. */
  waitForStreaming(timeoutMs?: number): Promise<void>;
  /** Replicas first, then the leader, so the leader does not hand over on its way down. */
  stop(): Promise<void>;
}

/** Starts every member's Patroni; on new state the first one bootstraps alone, so pg-0 leads. */
async function startMembers(settings: ClusterMemberSettings, plans: readonly MemberPlan[], started: PgMember[]): Promise<void> {
  const start = async (plan: MemberPlan): Promise<void> => {
    started.push(await startClusterMember(settings, plan));
  };
  const fresh = !plans.some((p) => hasData(memberPaths(settings.stateDir, p.name).data));
  const [first, ...rest] = plans;
  if (fresh && first) {
    await start(first);
    const member = started[0];
    if (member) await waitFor(() => member.rest.isPrimary().catch(() => false), { timeoutMs: 120_000, intervalMs: 200, what: `${first.name} to bootstrap the cluster` });
    await Promise.all(rest.map(start));
  } else {
    await Promise.all(plans.map(start));
  }
}

/** Starts a Patroni per member (creating what is missing), waits for a leader, bootstraps roles and the database. */
export async function startPostgresCluster(options: ClusterOptions): Promise<PostgresCluster> {
  const host = options.host ?? '127.0.0.1';
  const database = options.database ?? 'platform';
  const log = options.log ?? (() => undefined);
  const user = serverUser();
  const plans = options.ports.map((port, i): MemberPlan => ({ name: `pg-${i}`, port, restPort: options.restPorts[i] ?? 0 }));
  if (plans.length === 0) throw new Error('a cluster needs at least one port');
  const secrets = prepareState(options.stateDir, plans.map((p) => memberPaths(options.stateDir, p.name).data), user);
  const started: PgMember[] = [];
  const settings = memberSettings({ ...options, host, user, secrets, database, log });
  try {
    await startMembers(settings, plans, started);
    const cluster = describeCluster(options, database, host, secrets, started.sort((a, b) => a.name.localeCompare(b.name)));
    const leader = await cluster.refreshRoles(120_000);
    log(`${leader.name} leads (Patroni); ${cluster.replicas.map((r) => r.name).join(', ') || 'no replicas'} follow`);
    await waitFor(
      () =>
        withConnection(cluster.connection(leader, 'admin', 'postgres'), async (client) => {
          if (!(await takesWrites(client))) return false;
          await bootstrapPrimary(client, secrets, database, []);
          return true;
        }),
      { timeoutMs: 60_000, intervalMs: 200, what: `${leader.name} to finish its promotion and take writes` },
    );
    // synchronous_mode lives in Consul after bootstrap; the platform's setting wins at every start.
    await patchConfigWhenReady(leader, { synchronous_mode: settings.synchronous });
    return cluster;
  } catch (err) {
    await Promise.all(started.map((m) => m.stop(10_000)));
    throw err;
  }
}

function describeCluster(options: ClusterOptions, database: string, host: string, secrets: ClusterSecrets, servers: PgMember[]): PostgresCluster {
  const connection = (server: PgMember, role: DbRole = 'app', db = database): ConnectionSpec => ({ host, port: server.port, user: DB_ROLES[role], password: secrets.password(role), database: db });
  let leader = servers[0] as PgMember;
  const cluster: PostgresCluster = {
    stateDir: options.stateDir,
    database,
    scope: options.scope ?? 'platform',
    secrets,
    servers,
    get primary() {
      return leader;
    },
    get replicas() {
      return servers.filter((s) => s !== leader);
    },
    async refreshRoles(timeoutMs = 30_000) {
      leader = await waitFor(
        async () => {
          const answers = await Promise.all(servers.map((s) => (s.isRunning() ? s.rest.isPrimary().catch(() => false) : false)));
          const leaders = servers.filter((_, i) => answers[i]);
          return leaders.length === 1 ? leaders[0] : undefined;
        },
        { timeoutMs, intervalMs: 200, what: 'exactly one member to lead the cluster' },
      );
      return leader;
    },
    url: (server, role = 'app') => `postgresql://${DB_ROLES[role]}@${host}:${server.port}/${database}`,
    connection,
    async waitForStreaming(timeoutMs = 60_000) {
      const others = servers.length - 1;
      await waitFor(
        () =>
          withConnection(connection(leader, 'admin', 'postgres'), async (client) => {
            const res = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
            return (res.rows[0]?.n ?? 0) >= others;
          }).catch(() => false),
        { timeoutMs, intervalMs: 200, what: `${others} replicas to stream from ${leader.name}` },
      );
    },
    async stop() {
      await Promise.all(servers.filter((s) => s !== leader).map((s) => s.stop()));
      await leader.stop();
    },
  };
  return cluster;
}

/**
 * Patroni answers 503 to a configuration change until it has its configuration back from Consul,
 * which after taking over a data dir of the earlier layout came seconds after it led (`platform up`
 * on such a state folder failed there). Anything else it answers is final.
 */
async function patchConfigWhenReady(leader: PgMember, change: Record<string, unknown>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await leader.rest.patchConfig(change);
      return;
    } catch (err) {
      if (Date.now() >= deadline || !(err instanceof Error && err.message.includes('(503)'))) throw err;
      await sleep(500);
    }
  }
}
