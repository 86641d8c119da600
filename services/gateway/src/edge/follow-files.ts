import { unwatchFile, watchFile } from 'node:fs';

/** How often a followed file is looked at; a change reaches the edges well within a second. */
export const FILE_POLL_MS = 250;

/**
 * Calls `changed` when any of `files` is written, replaced or removed (polled: a rename over the
 * file, which editors and config tools do, is seen as well as a write in place).
 */
export function followFiles(files: readonly string[], changed: () => void): { stop(): void } {
  for (const file of files) watchFile(file, { interval: FILE_POLL_MS }, changed);
  return { stop: () => files.forEach((file) => unwatchFile(file, changed)) };
}
