import { chownSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The OS account the servers run as: PostgreSQL refuses to run as root. */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

function lookupUser(name: string): ServerUser {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(`the OS user ${name} does not exist; run platform/postgres/install.sh (the Debian package creates it)`);
}

/**
 * As root, the servers run as the `postgres` user (POSTGRES_OS_USER); as anyone else they run as
 * that user already, so nothing is switched.
 */
export function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return lookupUser(process.env.POSTGRES_OS_USER ?? 'postgres');
}

/**
 * The command line that runs `command` as `user`. setpriv execs in place (runuser would fork),
 * so the pid we hold is the server's own and our signals reach it directly.
 */
export function asUser(user: ServerUser | undefined, command: string, args: readonly string[]): { command: string; args: string[] } {
  if (!user) return { command, args: [...args] };
  return { command: 'setpriv', args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', command, ...args] };
}

/** Hands a folder we created (and everything in it) to the server user. */
export function chownTree(path: string, user: ServerUser | undefined): void {
  if (!user) return;
  chownSync(path, user.uid, user.gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
}

/**
 * PostgreSQL changes into its data dir by absolute path, so every folder above it must be
 * searchable by the server user. Fails with the folder to fix rather than a server log line.
 */
export function assertReachable(dir: string, user: ServerUser | undefined): void {
  if (!user) return;
  for (let current = dirname(dir); ; current = dirname(current)) {
    const st = statSync(current);
    const searchable = st.uid === user.uid ? (st.mode & 0o100) !== 0 : st.gid === user.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
    if (!searchable) throw new Error(`the ${user.name} user cannot reach ${dir}: ${current} is not searchable by it (chmod o+x ${current}, or choose another state dir)`);
    if (current === dirname(current)) return;
  }
}
