import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, RestartableChild, startUntilReady, waitFor, type ChildHandle, type ExitStatus } from '@platform/process-runner';
import { asUser, chownTree, type ServerUser } from '../os-user';
import { renderPatroniConfig, type PatroniMemberConfig } from './config';
import { deregisterLivenessCheck, registerLivenessCheck, type LivenessCheck } from './liveness-check';
import { PatroniRest } from './rest';

/** Where one member keeps its files under the cluster's state dir. */
export const memberPaths = (stateDir: string, name: string) => ({
  dir: join(stateDir, name),
  data: join(stateDir, name, 'data'),
  config: join(stateDir, name, 'patroni.yml'),
  pgpass: join(stateDir, name, 'patroni.pgpass'),
  /** Patroni's log; PostgreSQL's own goes to the data dir's log/ (Patroni's logging collector). */
  log: join(stateDir, name, 'patroni.log'),
});

/** One PostgreSQL server and the Patroni that runs it. */
export interface PgMember {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly restPort: number;
  readonly dataDir: string;
  readonly rest: PatroniRest;
  /** Patroni's pid; a restart changes it. */
  readonly pid: number;
  /** The postmaster's pid from its pid file, when one is running. */
  postgresPid(): number | undefined;
  /** Settles when the current Patroni exits. */
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  /** Patroni stops PostgreSQL (fast), releases the leader lock if it holds it, and exits. */
  stop(graceMs?: number): Promise<void>;
  /** Starts Patroni again after it exited (a crash, a kill in a test). */
  restart(): Promise<void>;
}

/** The environment Patroni runs with: nothing of ours leaks in (its secrets are in its 0600 config). */
const patroniEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', TZ: 'UTC' });

function readPostmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

/**
 * Writes the member's config (0600, owned by the server user), registers its liveness check and
 * starts Patroni, resolving once its REST API answers.
 */
export async function startMember(config: PatroniMemberConfig & { stateDir: string; user: ServerUser | undefined }): Promise<PgMember> {
  const paths = memberPaths(config.stateDir, config.name);
  const rest = new PatroniRest(`http://${config.host}:${config.restPort}`, config.secrets.restCredentials());
  const check: LivenessCheck = { consulAddr: config.consulAddr, token: config.consulToken, scope: config.scope, member: config.name, restUrl: rest.baseUrl };
  writeFileSync(paths.config, renderPatroniConfig(config), { mode: 0o600 });
  chownTree(paths.config, config.user);

  const launch = async (): Promise<ChildHandle> => {
    // Consul keeps the status of a re-registered check: a critical one from the last run would
    // refuse Patroni's new session forever, so the old registration goes first.
    await deregisterLivenessCheck(check);
    await registerLivenessCheck(check, 'starting');
    const { command, args } = asUser(config.user, 'patroni', [paths.config]);
    // Own process group: a terminal's Ctrl-C must not reach it before the platform stops it.
    const child = await startUntilReady(command, args, {
      env: patroniEnv(),
      outputFile: paths.log,
      detached: true,
      what: `patroni ${config.name} (REST API ${rest.baseUrl})`,
      ready: () => rest.status().then(() => true),
      timeoutMs: 60_000,
      stopOnFailure: (c) => stopAll(c, 5_000),
    });
    await registerLivenessCheck(check, 'running');
    return child;
  };

  /** Patroni first; a Patroni that was killed (not stopped) leaves its postmaster behind, and nothing may outlive a stop. */
  const stopAll = async (handle: ChildHandle, graceMs: number): Promise<void> => {
    await handle.stop(graceMs, 'SIGTERM');
    const orphan = readPostmasterPid(paths.data);
    if (orphan === undefined) return;
    process.kill(orphan, 'SIGINT');
    await waitFor(() => !pidAlive(orphan), { timeoutMs: graceMs, intervalMs: 100, what: `postgres ${config.name} (pid ${orphan}) to stop` }).catch(() => process.kill(orphan, 'SIGKILL'));
  };

  const member = await RestartableChild.start(`patroni ${config.name}`, launch);
  return Object.assign(member, {
    name: config.name,
    host: config.host,
    port: config.port,
    restPort: config.restPort,
    dataDir: paths.data,
    rest,
    postgresPid: () => readPostmasterPid(paths.data),
    async stop(graceMs = 30_000) {
      await stopAll(member.current, graceMs);
      await deregisterLivenessCheck(check).catch(() => undefined);
    },
  });
}
