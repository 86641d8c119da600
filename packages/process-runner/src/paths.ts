import { join, resolve } from 'node:path';

/**
 * The repository root, found from this package's location (packages/process-runner/dist): the one
 * place every component and the CLI learn where the repository and the installed binaries are.
 */
export const repoRoot = resolve(__dirname, '..', '..', '..');

/** Where installers put binaries and caches; the same rule as platform/lib/common.sh. */
export const platformHome = (): string => process.env.PLATFORM_HOME ?? join(repoRoot, '.platform');

export const platformBin = (name: string): string => join(platformHome(), 'bin', name);
