import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@platform/process-runner';

/**
 * Runs platform/install.sh, which installs every pinned component that is missing and is quick
 * when all are present. Its progress goes straight to the terminal.
 */
export function installComponents(): void {
  const result = spawnSync('bash', [join(repoRoot, 'platform', 'install.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`installing the platform components failed (exit ${result.status}); see the messages above`);
}
