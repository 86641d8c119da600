import { join, resolve } from 'node:path';

/** The repository root, found from this package's location (platform/consul/dist). */
export const repoRoot = resolve(__dirname, '..', '..', '..');

/** Where installers put binaries and caches; the same rule as platform/lib/common.sh. */
export const platformHome = (): string => process.env.PLATFORM_HOME ?? join(repoRoot, '.platform');

export const platformBin = (name: string): string => join(platformHome(), 'bin', name);
