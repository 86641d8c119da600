import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@platform/process-runner';

/**
 * The pinned major version, read from platform/versions.env so the installer and the runtime can
 * never disagree about which server binaries a data dir belongs to.
 */
export function postgresMajor(versionsFile = join(repoRoot, 'platform', 'versions.env')): string {
  const match = /^POSTGRES_VERSION=(\d+)/m.exec(readFileSync(versionsFile, 'utf8'));
  if (!match?.[1]) throw new Error(`POSTGRES_VERSION is missing from ${versionsFile}`);
  return match[1];
}

/** Debian keeps each major version's server binaries apart; POSTGRES_BIN_DIR overrides the lookup. */
export function postgresBinDir(): string {
  return process.env.POSTGRES_BIN_DIR ?? `/usr/lib/postgresql/${postgresMajor()}/bin`;
}

export const pgBin = (name: 'postgres' | 'initdb' | 'pg_basebackup'): string => join(postgresBinDir(), name);
