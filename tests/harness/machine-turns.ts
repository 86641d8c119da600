import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive, waitFor } from '@platform/process-runner';
import { atFileEnd } from './file-end';
import { heldByAnother, releaseLock, tryLock } from './folder-lock';

/**
 * Two jest workers run two test files at once. A few files load the two cores so much by
 * themselves (three-member Consul, Kafka and OpenSearch clusters beside PostgreSQL) that a file
 * beside them fails on timeouts it never meets alone: such a file has the machine alone. It waits
 * until the files already running end, and no file starts until it ends.
 *
 * Every file marks itself running (setup-after-env.ts) once no file has the machine alone; the
 * marks live in the run's temporary folder, one per jest worker.
 */
const turns = (): string => join(tmpdir(), 'platform-machine-turns');
const aloneLock = (): string => join(turns(), 'alone');
const mark = (pid: number): string => join(turns(), `running-${pid}`);

/** Longest a file waits for its turn: a whole file's run beside it. */
export const MACHINE_ALONE_WAIT_MS = 900_000;

/** Before a file's first hook: waits while another file has the machine alone, then marks this one running. */
export async function takeFileTurn(): Promise<void> {
  mkdirSync(turns(), { recursive: true });
  await waitFor(() => !heldByAnother(aloneLock()), { timeoutMs: MACHINE_ALONE_WAIT_MS, intervalMs: 500, what: `the test file that has the machine alone to end (${aloneLock()})` });
  writeFileSync(mark(process.pid), '');
  atFileEnd(() => rmSync(mark(process.pid), { force: true }));
}

/** For a file too heavy to share the machine: waits until every other running file has ended; no file starts until this one ends. */
export async function haveMachineAlone(): Promise<void> {
  await waitFor(() => tryLock(aloneLock()), { timeoutMs: MACHINE_ALONE_WAIT_MS, intervalMs: 500, what: `the other test file that has the machine alone to end (${aloneLock()})` });
  atFileEnd(() => releaseLock(aloneLock()));
  const othersRunning = (): number[] =>
    readdirSync(turns())
      .map((name) => Number(/^running-(\d+)$/.exec(name)?.[1] ?? 0))
      .filter((pid) => pid > 0 && pid !== process.pid && pidAlive(pid));
  await waitFor(() => othersRunning().length === 0, { timeoutMs: MACHINE_ALONE_WAIT_MS, intervalMs: 500, what: 'the test files running beside this one to end' });
}
