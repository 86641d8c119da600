import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError, startChild } from '@platform/process-runner';
import { asUser, chownTree, type ServerUser } from './os-user';
import { pgBin } from './paths';
import { DB_ROLES, type ClusterSecrets } from './secrets';
import { renderHba, renderServerConf, TLS_FILES, type ServerConfigInput } from './server-config';

/** Where one server keeps its files under the cluster's state dir. */
export const serverPaths = (stateDir: string, name: string) => ({
  dir: join(stateDir, name),
  data: join(stateDir, name, 'data'),
  /** Built here first and renamed when complete, so a failed creation is retried from scratch. */
  partial: join(stateDir, name, 'data.partial'),
  log: join(stateDir, name, 'postgres.log'),
});

export const hasData = (dataDir: string): boolean => existsSync(join(dataDir, 'PG_VERSION'));
export const isStandby = (dataDir: string): boolean => existsSync(join(dataDir, 'standby.signal'));

async function runAsServerUser(user: ServerUser | undefined, binary: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const { command, args: full } = asUser(user, binary, args);
  const child = startChild(command, full, { env: { PATH: process.env.PATH, LC_ALL: 'C', ...env }, outputFile: logFile });
  const exit = await child.exited;
  if (exit.code !== 0) throw new PlatformError('PLATFORM_DB_INIT_FAILED', `${binary} ${args[0] ?? ''} failed (exit ${exit.code}, signal ${exit.signal}); see ${logFile}`);
}

function prepareServerDir(stateDir: string, name: string, user: ServerUser | undefined): ReturnType<typeof serverPaths> {
  const paths = serverPaths(stateDir, name);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  rmSync(paths.partial, { recursive: true, force: true });
  chownTree(paths.dir, user);
  return paths;
}

/** A new primary: initdb with SCRAM everywhere and the generated superuser password. */
export async function createPrimaryDataDir(stateDir: string, name: string, secrets: ClusterSecrets, user: ServerUser | undefined): Promise<void> {
  const paths = prepareServerDir(stateDir, name, user);
  await runAsServerUser(
    user,
    pgBin('initdb'),
    ['-D', paths.partial, '-U', DB_ROLES.admin, `--pwfile=${secrets.passwordFile('admin')}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'],
    paths.log,
  );
  // platform.conf is rewritten at every start; everything else stays as initdb made it.
  appendFileSync(join(paths.partial, 'postgresql.conf'), "\ninclude_if_exists = 'platform.conf'\n");
  renameSync(paths.partial, paths.data);
}

/**
 * A new replica: a base backup of the running primary through its slot (so the primary keeps
 * the WAL the replica still needs), marked as a standby.
 */
export async function createReplicaDataDir(stateDir: string, name: string, primary: { host: string; port: number }, slot: string, secrets: ClusterSecrets, user: ServerUser | undefined): Promise<void> {
  const paths = prepareServerDir(stateDir, name, user);
  await runAsServerUser(
    user,
    pgBin('pg_basebackup'),
    ['-D', paths.partial, '-h', primary.host, '-p', String(primary.port), '-U', DB_ROLES.replicator, '-X', 'stream', '-S', slot, '--checkpoint=fast', '--no-password'],
    paths.log,
    { PGPASSFILE: secrets.pgpassFile },
  );
  writeFileSync(join(paths.partial, 'standby.signal'), '');
  chownTree(join(paths.partial, 'standby.signal'), user);
  renameSync(paths.partial, paths.data);
}

/**
 * Rewrites the settings that follow the platform's configuration (ports, the primary's address,
 * who may log in) and copies the TLS certificate and key in, where the server user owns them.
 */
export function writeServerConfig(dataDir: string, input: ServerConfigInput, user: ServerUser | undefined): void {
  const files: [string, string][] = [
    [join(dataDir, 'platform.conf'), renderServerConf(input)],
    [join(dataDir, 'pg_hba.conf'), renderHba(input)],
  ];
  if (input.tls) {
    files.push([join(dataDir, TLS_FILES.cert), readFileSync(input.tls.certFile, 'utf8')], [join(dataDir, TLS_FILES.key), readFileSync(input.tls.keyFile, 'utf8')]);
  }
  for (const [file, content] of files) {
    if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
    writeFileSync(file, content, { mode: 0o600 });
    chownTree(file, user);
  }
}
