import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertReachable, chownTree, type ServerUser } from './os-user';
import { ensureSecrets, type ClusterSecrets } from './secrets';
import { PlatformError } from '@platform/process-runner';

/** Whether a data dir holds a cluster (initdb or a base backup completed there). */
export const hasData = (dataDir: string): boolean => existsSync(join(dataDir, 'PG_VERSION'));

/** The state dir made ready for the server user, with the cluster's passwords (made once). */
export function prepareState(stateDir: string, dataDirs: readonly string[], user: ServerUser | undefined): ClusterSecrets {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
  chownTree(stateDir, user);
  assertReachable(stateDir, user);
  if (dataDirs.some(hasData) && !existsSync(join(stateDir, 'secrets', 'admin.password'))) {
    throw new PlatformError('PLATFORM_DB_SECRETS_LOST', `${stateDir} has data but lost its secrets/ folder; the servers cannot be managed without the passwords`);
  }
  return ensureSecrets(join(stateDir, 'secrets'), user);
}
