import { RestartableChild, startUntilReady, type ChildHandle, type ExitStatus } from '@platform/process-runner';
import { withConnection } from './connection';
import { asUser, type ServerUser } from './os-user';
import { pgBin } from './paths';
import { DB_ROLES } from './secrets';

export interface ServerProcessOptions {
  name: string;
  dataDir: string;
  logFile: string;
  user: ServerUser | undefined;
  host: string;
  port: number;
  adminPassword: string;
  startTimeoutMs?: number;
}

export interface PgServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** The current postmaster's; a restart changes it. */
  readonly pid: number;
  /** Settles when the current postmaster exits; a restart gives a new one. */
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  /** Fast shutdown (SIGINT: rolls back open transactions, checkpoints); SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** Starts the postmaster again on the same data dir and port, after it exited; resolves once it accepts connections. */
  restart(): Promise<void>;
}

/** The environment a server runs with: nothing of ours leaks in (no secrets, no platform vars). */
const serverEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' });

/** Starts one postmaster in the foreground and resolves once it accepts connections. */
export async function startServer(options: ServerProcessOptions): Promise<PgServer> {
  const launch = async (): Promise<ChildHandle> => {
    const { command, args } = asUser(options.user, pgBin('postgres'), ['-D', options.dataDir]);
    // Own process group: a terminal's Ctrl-C must not reach the server before the platform stops it.
    const spec = { host: options.host, port: options.port, user: DB_ROLES.admin, password: options.adminPassword, database: 'postgres' };
    const child = await startUntilReady(command, args, {
      env: serverEnv(),
      outputFile: options.logFile,
      detached: true,
      what: `postgres ${options.name} on ${options.host}:${options.port}`,
      ready: () => withConnection(spec, async (client) => (await client.query('SELECT 1')).rowCount === 1, 1_000),
      timeoutMs: options.startTimeoutMs ?? 60_000,
      intervalMs: 100,
      stopOnFailure: (c) => c.stop(5_000, 'SIGINT'),
    });
    return child;
  };

  const server = await RestartableChild.start(`postgres ${options.name}`, launch);
  const { name, host, port, dataDir } = options;
  const stop = (graceMs = 30_000) => server.current.stop(graceMs, 'SIGINT');
  return Object.assign(server, { name, host, port, dataDir, stop });
}
