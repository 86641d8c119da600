import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Who HAProxy's workers become once the master (root) has bound the ports and read the certificates. */
export interface WorkerPrivileges {
  user: string;
  group: string;
  /** An empty folder the workers are locked into: they need no file after start. */
  chroot: string;
}

/** The account the Debian package creates; made here when HAProxy was installed some other way. */
export const HAPROXY_USER = 'haproxy';

const exists = (database: 'passwd' | 'group', name: string): boolean => {
  try {
    execFileSync('getent', [database, name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

function ensureSystemUser(name: string): void {
  if (exists('passwd', name) && exists('group', name)) return;
  if (exists('group', name)) execFileSync('useradd', ['--system', '--gid', name, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  else if (exists('passwd', name)) execFileSync('groupadd', ['--system', name]);
  else execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
}

/**
 * Started as root, HAProxy must not keep root in the workers that parse every request: they run as
 * `haproxy` in an empty chroot (root-owned, read-only). Started as anyone else (a developer without
 * sudo) there is nothing to drop, and `user`/`chroot` would only make HAProxy refuse to start.
 * The Runtime API and master sockets are made by the master, root-owned with mode 600: the
 * controller (root too) reaches them, the workers' user does not.
 */
export function workerPrivileges(stateDir: string, uid = process.getuid?.() ?? -1): WorkerPrivileges | undefined {
  if (uid !== 0) return undefined;
  ensureSystemUser(HAPROXY_USER);
  const chroot = join(stateDir, 'empty');
  mkdirSync(chroot, { recursive: true, mode: 0o555 });
  if (readdirSync(chroot).length > 0) throw new Error(`${chroot} must be empty: it is the HAProxy workers' chroot`);
  return { user: HAPROXY_USER, group: HAPROXY_USER, chroot };
}
