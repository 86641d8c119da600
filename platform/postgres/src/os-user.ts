import { requireUser, runningAsRoot, type OsUser } from '@platform/process-runner';

export { asUser, assertReachable, chownTree } from '@platform/process-runner';

/** The OS account the servers run as: PostgreSQL refuses to run as root. */
export type ServerUser = OsUser;

/**
 * As root, the servers run as the `postgres` user (POSTGRES_OS_USER); as anyone else they run as
 * that user already, so nothing is switched.
 */
export function serverUser(): ServerUser | undefined {
  if (!runningAsRoot()) return undefined;
  return requireUser(process.env.POSTGRES_OS_USER ?? 'postgres', 'run platform/postgres/install.sh (the Debian package creates it)');
}
