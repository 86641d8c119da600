import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertReachable, chownTree, type OsUser, PlatformError, runningAsRoot } from '@platform/process-runner';
import { ensureRecordedAccount } from './made-accounts';

const MAX_NAME = 32;

/**
 * The files an instance reads by path (`..._FILE` variables): each is copied into a folder only
 * its service's account can enter. Gateway credentials go to the gateway alone. Any other file the
 * supervisor's environment names stays where it is, unreadable by the instance.
 */
const HANDED_FILES: Readonly<Record<string, { copy: string; only?: string }>> = {
  CONSUL_HTTP_TOKEN_FILE: { copy: 'consul-http-token' },
  DB_PASSWORD_FILE: { copy: 'db-password' },
  DB_TLS_CA_FILE: { copy: 'db-tls-ca.crt' },
  GATEWAY_API_KEYS_FILE: { copy: 'gateway-api-keys.json', only: 'gateway' },
  GATEWAY_JWT_SECRET_FILE: { copy: 'gateway-jwt-secret', only: 'gateway' },
  GATEWAY_JWT_SETTINGS_FILE: { copy: 'gateway-jwt-settings.json', only: 'gateway' },
};

/**
 * One account per service (`platform-svc-users`): a service's instances can neither read another
 * service's files nor signal or trace its processes. A name over useradd's limit keeps its start
 * and ends in a hash of the service name, so it stays unique.
 */
export function serviceAccountName(prefix: string, service: string): string {
  const name = `${prefix}-${service}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(service).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

export interface HandedFile {
  variable: string;
  from: string;
  to: string;
}

/** Which files `service` is handed (into `dir`), and its environment pointing at the copies. */
export function handOver(service: string, env: NodeJS.ProcessEnv, dir: string): { files: HandedFile[]; env: NodeJS.ProcessEnv } {
  const files: HandedFile[] = [];
  const next: NodeJS.ProcessEnv = { ...env };
  for (const [variable, { copy, only }] of Object.entries(HANDED_FILES)) {
    const from = env[variable];
    if (!from) continue;
    if (only && only !== service) {
      delete next[variable];
      continue;
    }
    const to = join(dir, copy);
    files.push({ variable, from, to });
    next[variable] = to;
  }
  return { files, env: next };
}

export interface ServiceAccount {
  user: OsUser;
  /** The instance's environment, its `..._FILE` variables naming the copies. */
  env: NodeJS.ProcessEnv;
  /** A folder the account can read: the supervisor's own may be root's. */
  cwd: string;
}

/** Others may pass through `dir` (search only: they still cannot list it). */
const allowSearch = (dir: string): void => chmodSync(dir, statSync(dir).mode | 0o001);

function accountOf(request: AccountRequest): OsUser {
  const { service, stateDir } = request;
  const name = serviceAccountName(request.userPrefix, service);
  try {
    return ensureRecordedAccount(stateDir, name);
  } catch (err) {
    // A cloud node's unit keeps /etc read-only: its accounts come with the image.
    throw new PlatformError('PLATFORM_OS_USER_CREATE_FAILED', `cannot make the OS user ${name} for ${service} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); where /etc is read-only, run \`platform accounts\` when building the image`);
  }
}

export interface AccountRequest {
  service: string;
  /** PLATFORM_SERVICE_USER (settings): the account is `<prefix>-<service>`. */
  userPrefix: string;
  entry: string;
  stateDir: string;
  logDir: string;
  codeDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Makes the service's account (when the supervisor is root; otherwise undefined: nothing is
 * switched) and gives it what its instances touch: copies of its files (0600, in
 * `<state>/run/<service>`, 0700, its own), its log folder, and a check that the code and Node.js
 * are readable by it, so a start fails here naming the path rather than in the instance.
 * Copies are made when the service is prepared (`up`, or its first `scale`).
 */
export function prepareServiceAccount(request: AccountRequest): ServiceAccount | undefined {
  if (!runningAsRoot()) return undefined;
  const user = accountOf(request);
  allowSearch(request.stateDir);
  const runDir = join(request.stateDir, 'run');
  mkdirSync(runDir, { recursive: true, mode: 0o711 });
  allowSearch(runDir);
  const own = join(runDir, request.service);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  chmodSync(own, 0o700);
  chownSync(own, user.uid, user.gid);
  const { files, env } = handOver(request.service, request.env, own);
  for (const file of files) {
    writeFileSync(file.to, readFileSync(file.from), { mode: 0o600 });
    chmodSync(file.to, 0o600);
    chownSync(file.to, user.uid, user.gid);
  }
  mkdirSync(request.logDir, { recursive: true });
  allowSearch(request.logDir);
  const logs = join(request.logDir, request.service);
  mkdirSync(logs, { recursive: true, mode: 0o750 });
  // Files an earlier root-run instance left must stay appendable by the account.
  chownTree(logs, user);
  assertReachable(logs, user);
  assertReachable(request.entry, user, 4);
  assertReachable(process.execPath, user, 1);
  assertReachable(request.codeDir, user, 4);
  return { user, env: { ...env, HOME: '/nonexistent', USER: user.name, LOGNAME: user.name }, cwd: request.codeDir };
}
