import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSecretFile } from '@platform/process-runner';
import type { ServerTls } from '../hba';
import { chownTree, type ServerUser } from '../os-user';
import { postgresBinDir } from '../paths';
import type { PatroniMemberConfig } from './config';
import { livenessCheckId } from './liveness-check';
import { memberPaths, startMember, type PgMember } from './member';

/**
 * What every member of one cluster shares, wherever it runs: the local layout starts all its
 * members on one machine, a cloud database node starts one; both through startClusterMember.
 * `host` is the address PostgreSQL and Patroni's REST API listen on (loopback, or a node's private
 * address); `clientCidrs` the other machines' networks (absent locally); `tls` the server's
 * certificate and key, copied into the member's folder where the server user owns them.
 */
export type ClusterMemberSettings = Pick<PatroniMemberConfig, 'scope' | 'host' | 'consulAddr' | 'secrets' | 'database' | 'synchronous' | 'sharedBuffers' | 'maxConnections' | 'clientCidrs' | 'tls'> & {
  /** Holds secrets/ and the member's folder; everything survives restarts. */
  stateDir: string;
  user: ServerUser | undefined;
  /** A file holding the `patroni` Consul token, where Consul has ACLs. */
  consulTokenFile?: string;
  log: (message: string) => void;
};

/** What a caller may leave out, and the defaults both layouts use. */
export type MemberSettingsInput = Omit<ClusterMemberSettings, 'scope' | 'database' | 'synchronous' | 'sharedBuffers' | 'maxConnections' | 'log'> &
  Partial<Pick<ClusterMemberSettings, 'scope' | 'database' | 'synchronous' | 'sharedBuffers' | 'maxConnections' | 'log'>>;

export function memberSettings(input: MemberSettingsInput): ClusterMemberSettings {
  return {
    ...input,
    scope: input.scope ?? 'platform',
    database: input.database ?? 'platform',
    synchronous: input.synchronous ?? true,
    sharedBuffers: input.sharedBuffers ?? '16MB',
    maxConnections: input.maxConnections ?? 100,
    log: input.log ?? (() => undefined),
  };
}

export interface MemberPlan {
  name: string;
  port: number;
  restPort: number;
}

/**
 * A data dir made by the platform before Patroni included platform.conf with its own port and
 * primary_conninfo; Patroni now writes those, and a stale copy would override them.
 */
function migrateOldLayout(dataDir: string, log: (m: string) => void): void {
  const old = join(dataDir, 'platform.conf');
  if (!existsSync(old)) return;
  rmSync(old);
  log(`${dataDir}: removed platform.conf of the pre-Patroni layout (Patroni now writes the server's settings)`);
}

/** Copies the certificate and key next to the member's config, 0600 and owned by the server user. */
function placeTls(dir: string, tls: ServerTls, user: ServerUser | undefined): ServerTls {
  const placed = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  for (const [from, to] of [[tls.certFile, placed.certFile], [tls.keyFile, placed.keyFile]] as const) {
    writeFileSync(to, readFileSync(from, 'utf8'), { mode: 0o600 });
    chownTree(to, user);
  }
  return placed;
}

/** Prepares the member's folder and starts its Patroni; its session carries the node's serfHealth and the member's liveness check. */
export async function startClusterMember(settings: ClusterMemberSettings, plan: MemberPlan): Promise<PgMember> {
  const paths = memberPaths(settings.stateDir, plan.name);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chownTree(paths.dir, settings.user);
  migrateOldLayout(paths.data, settings.log);
  return startMember({
    ...plan,
    stateDir: settings.stateDir,
    user: settings.user,
    scope: settings.scope,
    host: settings.host,
    dataDir: paths.data,
    binDir: postgresBinDir(),
    pgpassFile: paths.pgpass,
    consulAddr: settings.consulAddr,
    consulToken: settings.consulTokenFile ? readSecretFile(settings.consulTokenFile, 'the patroni Consul token file') : undefined,
    // serfHealth: a node Consul no longer hears from (a lost cloud node) ends the session in seconds.
    sessionChecks: ['serfHealth', livenessCheckId(settings.scope, plan.name)],
    secrets: settings.secrets,
    database: settings.database,
    synchronous: settings.synchronous,
    sharedBuffers: settings.sharedBuffers,
    maxConnections: settings.maxConnections,
    clientCidrs: settings.clientCidrs,
    tls: settings.tls && placeTls(paths.dir, settings.tls, settings.user),
  });
}
