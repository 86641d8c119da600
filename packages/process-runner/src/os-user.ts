import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformError } from './errors/coded-error';

/**
 * An OS account a root process hands work to: PostgreSQL's servers, HAProxy's workers, every
 * service instance. The one place that looks accounts up, makes them and checks what they reach.
 */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** True when this process may switch users (and so should: nothing it starts needs root). */
export const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** `getent` asks NSS, so accounts from LDAP or systemd-userdb count as well as /etc/passwd. */
function getent(database: 'passwd' | 'group', name: string): string[] | undefined {
  try {
    return execFileSync('getent', [database, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(':');
  } catch {
    return undefined;
  }
}

/** The account `name`, or undefined when there is none. */
export function findUser(name: string): OsUser | undefined {
  const fields = getent('passwd', name);
  if (!fields || fields[0] !== name) return undefined;
  return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** The account `name`; a missing one stops with `hint` (how to make it). */
export function requireUser(name: string, hint: string): OsUser {
  const user = findUser(name);
  if (!user) throw new PlatformError('PLATFORM_OS_USER_MISSING', `the OS user ${name} does not exist; ${hint}`);
  return user;
}

/** An account name useradd accepts everywhere: it reaches a command line, so it is checked first. */
export const OS_USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** What ensureSystemAccount made itself, so that only that is ever removed again. */
export interface MadeAccount {
  user: OsUser;
  /** The account did not exist and useradd made it. */
  madeUser: boolean;
  /** Its group did not exist and was made with it. */
  madeGroup: boolean;
}

/**
 * The system account `name` with its own group, made as the Debian packages make theirs when
 * missing (no home, nologin shell); an existing account or group is kept as it is.
 */
export function ensureSystemAccount(name: string): MadeAccount {
  if (!OS_USER_NAME.test(name)) throw new PlatformError('PLATFORM_OS_USER_INVALID', `${JSON.stringify(name)} is not a valid OS user name (${OS_USER_NAME.source})`);
  const hasUser = findUser(name) !== undefined;
  const hasGroup = getent('group', name) !== undefined;
  const account = ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin'];
  if (!hasUser && hasGroup) execFileSync('useradd', [...account, '--gid', name, name]);
  else if (!hasUser) execFileSync('useradd', [...account, '--user-group', name]);
  else if (!hasGroup) execFileSync('groupadd', ['--system', name]);
  return { user: requireUser(name, 'useradd did not make it'), madeUser: !hasUser, madeGroup: !hasGroup };
}

export const ensureSystemUser = (name: string): OsUser => ensureSystemAccount(name).user;

/** Pids of the processes whose real or effective uid is `uid` (read from /proc). */
export function processesOf(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const line = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (line && (Number(line[1]) === uid || Number(line[2]) === uid)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/**
 * Removes an account ensureSystemAccount made (`made` says what it made: a group that existed
 * before stays). Refused while any process runs as it: its files and signals would pass to the
 * next account given the same uid.
 */
export function removeSystemAccount(name: string, made: { madeGroup: boolean }): void {
  const user = findUser(name);
  if (user) {
    const pids = processesOf(user.uid);
    if (pids.length > 0) throw new PlatformError('PLATFORM_OS_USER_BUSY', `the OS user ${name} is kept: process ${pids.slice(0, 5).join(', ')} still runs as it`);
    removing('userdel', name);
  }
  // userdel removes a user's own group where USERGROUPS_ENAB says so; elsewhere it stays behind.
  if (made.madeGroup && getent('group', name) !== undefined) removing('groupdel', name);
}

function removing(command: 'userdel' | 'groupdel', name: string): void {
  try {
    execFileSync(command, [name], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new PlatformError('PLATFORM_OS_USER_REMOVE_FAILED', `${command} ${name} failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
}

/**
 * The command line that runs `command` as `user` with the user's supplementary groups. setpriv
 * execs in place (runuser would fork), so the pid the caller holds is the program's own and its
 * signals reach it directly. Without a user the command runs unchanged. (A child that needs no
 * supplementary groups can be started with `startChild`'s `user` option instead.)
 */
export function asUser(user: OsUser | undefined, command: string, args: readonly string[]): { command: string; args: string[] } {
  if (!user) return { command, args: [...args] };
  return { command: 'setpriv', args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', command, ...args] };
}

/** Hands `path` (and everything in it, when a folder) to `user`. */
export function chownTree(path: string, user: OsUser | undefined): void {
  if (!user) return;
  chownSync(path, user.uid, user.gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
}

/** Whether the mode bits of `st` give `user` the permission `bit` (4 read, 2 write, 1 search/execute). */
export function permits(st: Pick<Stats, 'uid' | 'gid' | 'mode'>, user: OsUser, bit: 4 | 2 | 1): boolean {
  if (st.uid === user.uid) return (st.mode & (bit << 6)) !== 0;
  if (st.gid === user.gid) return (st.mode & (bit << 3)) !== 0;
  return (st.mode & bit) !== 0;
}

/**
 * Every folder above `path` must be searchable by `user`, and `path` itself allow `need` (read for
 * code and data, execute for a binary). Fails naming the folder or file to fix, rather than leaving
 * the user's process to die on EACCES. Mode bits only: group membership beyond the user's own
 * group and ACLs are not consulted.
 */
export function assertReachable(path: string, user: OsUser | undefined, need?: 4 | 1): void {
  if (!user) return;
  for (let current = dirname(path); ; current = dirname(current)) {
    if (!permits(statSync(current), user, 1)) {
      throw new PlatformError('PLATFORM_OS_USER_NO_ACCESS', `the ${user.name} user cannot reach ${path}: ${current} is not searchable by it (chmod o+x ${current}, or move it)`);
    }
    if (current === dirname(current)) break;
  }
  if (need && !permits(statSync(path), user, need)) {
    throw new PlatformError('PLATFORM_OS_USER_NO_ACCESS', `the ${user.name} user cannot ${need === 4 ? 'read' : 'execute'} ${path} (chmod o+${need === 4 ? 'r' : 'x'} ${path})`);
  }
}
