import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSystemUser, PlatformError } from '@platform/process-runner';

/** Who HAProxy's workers become once the master (root) has bound the ports and read the certificates. */
export interface WorkerPrivileges {
  user: string;
  group: string;
  /** An empty folder the workers are locked into: they need no file after start. */
  chroot: string;
}

/** The account the Debian package creates; made here when HAProxy was installed some other way. */
export const HAPROXY_USER = 'haproxy';

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
  if (readdirSync(chroot).length > 0) throw new PlatformError('PLATFORM_HAPROXY_CHROOT_NOT_EMPTY', `${chroot} must be empty: it is the HAProxy workers' chroot`);
  return { user: HAPROXY_USER, group: HAPROXY_USER, chroot };
}
