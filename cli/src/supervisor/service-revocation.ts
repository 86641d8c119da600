import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chownTree, type OsUser, PlatformError, removeSystemAccount } from '@platform/process-runner';
import { revokeServiceToken } from '../consul-tokens';
import type { PlatformSettings } from '../settings';
import { forgetAccount, madeAccount } from './made-accounts';

export interface Revocation {
  /** What was taken back, one line each (the supervisor log and the command's output). */
  done: string[];
  /** What could not be: the service is removed all the same, and each names what stays. */
  problems: { code: string; message: string }[];
}

export interface RevocationRequest {
  settings: PlatformSettings;
  consulAddr: string;
  service: string;
  /** The OS account its instances ran as (undefined when nothing switched users). */
  account: OsUser | undefined;
  logDir: string;
}

const problemOf = (err: unknown, fallback: string): { code: string; message: string } =>
  err instanceof PlatformError ? { code: err.code, message: err.message } : { code: fallback, message: err instanceof Error ? err.message : String(err) };

/**
 * What `platform remove service` takes back once the service's last instance has stopped: its
 * Consul token (revoked in Consul, its file deleted), its private copies of secrets
 * (`<state>/run/<service>/`), and its OS account when the platform made it (made-accounts.ts);
 * its logs then pass to the supervisor's user, so no file keeps a freed uid. Each step runs
 * even when an earlier one failed: a half-revoked service still loses all it can.
 */
export async function revokeService(request: RevocationRequest): Promise<Revocation> {
  const { settings, service, account } = request;
  const result: Revocation = { done: [], problems: [] };
  try {
    const token = await revokeServiceToken(settings, request.consulAddr, service);
    if (token) result.done.push(`Consul token ${token} revoked`);
  } catch (err) {
    result.problems.push(problemOf(err, 'PLATFORM_CONSUL_ACL_FAILED'));
  }
  const runDir = join(settings.stateDir, 'run', service);
  if (existsSync(runDir)) {
    rmSync(runDir, { recursive: true, force: true });
    result.done.push(`its copies of secrets in ${runDir} deleted`);
  }
  if (!account) return result;
  const made = madeAccount(settings.stateDir, account.name);
  if (!made) {
    result.done.push(`OS user ${account.name} kept (the platform did not make it)`);
    return result;
  }
  try {
    removeSystemAccount(account.name, made);
    forgetAccount(settings.stateDir, account.name);
    const logs = join(request.logDir, service);
    if (existsSync(logs)) chownTree(logs, { name: 'supervisor', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    result.done.push(`OS user ${account.name} removed`);
  } catch (err) {
    result.problems.push(problemOf(err, 'PLATFORM_OS_USER_REMOVE_FAILED'));
  }
  return result;
}
