import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RELEASE_ID } from '@platform/consul';

/**
 * Which release of a service runs and which ran before it (what `platform rollback` returns to),
 * kept beside the releases (`<releases>/<service>/history.json`) so it outlives the state folder.
 */
export interface ReleaseHistory {
  running: string | null;
  previous: string | null;
}

const fileOf = (releasesDir: string, service: string): string => join(releasesDir, service, 'history.json');
const validId = (value: unknown): string | null => (typeof value === 'string' && RELEASE_ID.test(value) ? value : null);

export function readHistory(releasesDir: string, service: string): ReleaseHistory {
  const file = fileOf(releasesDir, service);
  if (!existsSync(file)) return { running: null, previous: null };
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Read back from disk: an id that is not one is dropped, never used as a path.
    return { running: validId(raw.running), previous: validId(raw.previous) };
  } catch {
    return { running: null, previous: null };
  }
}

/** `id` now runs; the one that ran before becomes the previous release (unless it is the same). */
export function recordRunning(releasesDir: string, service: string, id: string): ReleaseHistory {
  const before = readHistory(releasesDir, service);
  const next = before.running === id ? before : { running: id, previous: before.running ?? before.previous };
  mkdirSync(join(releasesDir, service), { recursive: true });
  const file = fileOf(releasesDir, service);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return next;
}
