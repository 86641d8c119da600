import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OsUser } from './os-user';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** File that receives the child's stdout and stderr (appended); discarded when absent. */
  outputFile?: string;
  /**
   * Own process group, so a supervisor's terminal signals do not reach the child directly and
   * the child outlives a detached parent until it is stopped on purpose.
   */
  detached?: boolean;
  /** Run as this account (its uid and own group, no supplementary groups); the caller must be root. */
  user?: OsUser;
}

export interface ChildHandle {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  signal(sig: NodeJS.Signals): void;
  /** `signal` (SIGTERM unless told), then SIGKILL after graceMs; resolves with how it ended. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<ExitStatus>;
}

export function startChild(command: string, args: readonly string[], options: StartOptions = {}): ChildHandle {
  let out: number | 'ignore' = 'ignore';
  if (options.outputFile) {
    mkdirSync(dirname(options.outputFile), { recursive: true });
    out = openSync(options.outputFile, 'a');
  }
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  if (typeof out === 'number') closeSync(out);

  let running = true;
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once('error', (err) => {
      running = false;
      reject(new Error(`cannot start ${command}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  // Callers that never await `exited` must not crash the process with an unhandled rejection.
  exited.catch(() => undefined);
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`cannot start ${command}: no pid (is it installed and executable?)`);
  }

  const handle: ChildHandle = {
    pid,
    exited,
    isRunning: () => running,
    signal(sig) {
      if (running) child.kill(sig);
    },
    async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM') {
      if (!running) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  return handle;
}

/** True while a process with this pid exists (signal 0 probes without touching it). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
