import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlatformError } from './errors/coded-error';

/**
 * Writes a secret for one reader: the file 0600 (fixed even when it existed with looser bits),
 * its folder created 0700. Secrets travel between processes as such files, named by path.
 */
export function writeSecretFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The secret in `path`, made by `make` and written 0600 the first time: restarts keep their secrets. */
export function ensureSecretFile(path: string, make: () => string): string {
  if (!existsSync(path)) writeSecretFile(path, make());
  return readFileSync(path, 'utf8').trim();
}

/**
 * Reads a secret named by a `..._FILE` variable; a missing or unreadable file is an error that
 * names the variable and the path, never the content.
 */
export function readSecretFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new PlatformError('PLATFORM_SECRET_FILE_UNREADABLE', `${variable} names ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
