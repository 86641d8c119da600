import { ensureSystemUser, PlatformError, runningAsRoot } from '@platform/process-runner';
import { discoverServices } from '../service-catalog';
import { loadSettings } from '../settings';
import { serviceAccountName } from '../supervisor/service-accounts';

/**
 * Makes the OS account of every service in this checkout. `platform up` as root makes a missing
 * one itself; a cloud node cannot (its unit keeps /etc read-only), so the image build runs this.
 */
export function accounts(): number {
  if (!runningAsRoot()) throw new PlatformError('PLATFORM_NEEDS_ROOT', 'platform accounts makes OS users: run it as root');
  const prefix = loadSettings().services.userPrefix;
  for (const service of discoverServices()) {
    const user = ensureSystemUser(serviceAccountName(prefix, service.name));
    process.stdout.write(`${service.name.padEnd(20)} runs as ${user.name} (uid ${user.uid})\n`);
  }
  return 0;
}
