import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface VersionInfo {
  version: string;
  /** The checkout's commit, when the CLI runs from a git checkout (not in a node image). */
  commit?: string;
}

/** The CLI package's version, and the git commit of the checkout it runs from when there is one. */
export function versionInfo(): VersionInfo {
  const packageDir = join(__dirname, '..', '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: packageDir, encoding: 'utf8', timeout: 5_000 });
  const commit = git.status === 0 ? git.stdout.trim() : undefined;
  return commit ? { version, commit } : { version };
}
