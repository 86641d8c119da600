import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PlatformError, repoRoot } from '@platform/process-runner';
import { withProgress } from './command/progress';

/**
 * Runs platform/install.sh, which installs every pinned component that is missing and is quick
 * when all are present. Its lines are shown as they come, under a progress line that counts the
 * minutes a first install takes (building Consul and Filebeat from Go).
 */
export function installComponents(): Promise<void> {
  return withProgress('installing missing components', (progress) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [join(repoRoot, 'platform', 'install.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
      for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => progress.note(line));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new PlatformError('PLATFORM_INSTALL_FAILED', `installing the platform components failed (exit ${code}); see the messages above`))));
    }),
  );
}
