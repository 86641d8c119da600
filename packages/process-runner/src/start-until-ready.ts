import { existsSync, readFileSync, statSync } from 'node:fs';
import { startChild, type ChildHandle, type ExitStatus, type StartOptions } from './child';
import { PlatformError } from './errors/coded-error';
import { sleep } from './wait';

/** Stable codes: the error catalogue lists them with what to do. */
export type StartErrorCode = 'PLATFORM_START_EXITED' | 'PLATFORM_START_TIMEOUT';

/** A process that did not become ready: it exited during start, or the readiness check never passed. */
export class StartError extends PlatformError {
  constructor(
    code: StartErrorCode,
    message: string,
    /** How the process ended, when it exited during start. */
    readonly exit?: ExitStatus,
  ) {
    super(code, message);
  }
}

export interface StartUntilReadyOptions extends StartOptions {
  /**
   * The readiness check, called until it returns a value other than undefined/false; what it throws
   * is kept and named if the start times out.
   */
  ready: (child: ChildHandle) => Promise<unknown> | unknown;
  /** Names the process in errors, e.g. `consul at 127.0.0.1:8500`. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Required: an exit during start is explained by the lines the process wrote here. */
  outputFile: string;
  /** Picks the explanation out of what the process wrote during this start; the last error-like lines when it finds none. */
  reason?: (output: string) => string | undefined;
  /** How a process that never became ready is stopped; `stop(5 s)` by default. */
  stopOnFailure?: (child: ChildHandle) => Promise<unknown>;
}

const ERROR_LINE = /\b(error|fatal|alert|exiting|exception|panic|failed|refused|invalid|cannot|could not)\b/i;
const MAX_LINE = 400;

/** The last (up to three) error-like lines of `output`, or its last line when none looks like an error. */
export function lastErrorLines(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const errors = lines.filter((line) => ERROR_LINE.test(line));
  const picked = errors.length > 0 ? errors.slice(-3) : lines.slice(-1);
  return picked.length > 0 ? picked.map((line) => line.slice(0, MAX_LINE)).join(' | ') : undefined;
}

const sizeOf = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

/** What the process appended to its output file since `offset` (the file is shared across restarts). */
function outputSince(file: string, offset: number): string {
  return existsSync(file) ? readFileSync(file).subarray(offset).toString('utf8') : '';
}

/**
 * Starts `command` and resolves once `ready` passes. A process that exits during start fails it at
 * once with its own last error lines (PLATFORM_START_EXITED), not when the timeout ends; a check
 * that never passes fails it at the timeout with the check's last error (PLATFORM_START_TIMEOUT).
 * Either way the process is not left running.
 */
export async function startUntilReady(command: string, args: readonly string[], options: StartUntilReadyOptions): Promise<ChildHandle> {
  const offset = sizeOf(options.outputFile);
  let child: ChildHandle;
  try {
    child = startChild(command, args, options);
  } catch (err) {
    throw exitedError(options, offset, undefined, err);
  }
  const exited = child.exited.then(
    (status) => ({ status, error: undefined }),
    (error: unknown) => ({ status: undefined, error }),
  );
  const deadline = Date.now() + options.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ kind: 'deadline' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'deadline' }), options.timeoutMs);
  });
  let lastError: unknown;
  try {
    for (;;) {
      // The check races the exit and the deadline: a check that hangs must not hide either.
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => options.ready(child))
          .then(
            (value) => ({ kind: 'checked' as const, ok: value !== undefined && value !== false }),
            (error: unknown) => ({ kind: 'failed' as const, error }),
          ),
        exited.then((end) => ({ kind: 'exited' as const, ...end })),
        timedOut,
      ]);
      if (outcome.kind === 'exited') throw exitedError(options, offset, outcome.status, outcome.error);
      if (outcome.kind === 'checked' && outcome.ok) return child;
      if (outcome.kind === 'failed') lastError = outcome.error;
      if (outcome.kind === 'deadline' || Date.now() >= deadline) throw timeoutError(options, lastError);
      const waited = await Promise.race([sleep(options.intervalMs ?? 200).then(() => undefined), exited]);
      if (waited) throw exitedError(options, offset, waited.status, waited.error);
      if (Date.now() >= deadline) throw timeoutError(options, lastError);
    }
  } catch (err) {
    // Called after an exit too: a process may leave children of its own behind (Patroni's postmaster).
    await (options.stopOnFailure ?? ((c: ChildHandle) => c.stop(5_000)))(child);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function exitedError(options: StartUntilReadyOptions, offset: number, status: ExitStatus | undefined, error: unknown): StartError {
  if (!status) return new StartError('PLATFORM_START_EXITED', `${options.what} did not start: ${error instanceof Error ? error.message : String(error)}`);
  const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
  const output = outputSince(options.outputFile, offset);
  const reason = options.reason?.(output) ?? lastErrorLines(output);
  return new StartError('PLATFORM_START_EXITED', `${options.what} exited during start (${how}): ${reason ?? 'it wrote nothing'} (see ${options.outputFile})`, status);
}

function timeoutError(options: StartUntilReadyOptions, lastError: unknown): StartError {
  const cause = lastError instanceof Error ? ` (last check error: ${lastError.message})` : '';
  return new StartError('PLATFORM_START_TIMEOUT', `${options.what} was not ready after ${options.timeoutMs} ms${cause}; see ${options.outputFile}`);
}
