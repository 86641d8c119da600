import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder per run of the tests (jest's global setup, test-tmp.js) or of the
 * benchmarks (bench/src/run.ts): every file the run and the processes it starts write under
 * os.tmpdir() (Consul, PostgreSQL and OpenSearch data, service output, whole cloud-node layouts of
 * ~350 MB each) lands in it, removed when the run passed. Without it, each run left gigabytes
 * behind in /tmp (a developer machine's disk filled up after a few dozen runs). A failed run keeps
 * its folder for reading, and says where it is.
 */
export function startRunTmp(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  // Components run as their own unprivileged users and must pass through it (as through /tmp),
  // not list it.
  chmodSync(root, 0o711);
  // os.tmpdir() reads TMPDIR, and child processes (jest's workers too) inherit it.
  process.env.PLATFORM_TEST_RUN_TMP = root;
  process.env.TMPDIR = root;
  return root;
}

/** Removes the run's folder after a passing run; after a failed one, keeps it and says where. */
export function endRunTmp(passed: boolean, say: (line: string) => void): void {
  const root = process.env.PLATFORM_TEST_RUN_TMP;
  if (!root) return;
  if (passed) rmSync(root, { recursive: true, force: true });
  else say(`the run's temporary files (service output, component logs) are kept in ${root}`);
}
