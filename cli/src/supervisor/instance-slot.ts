import { join } from 'node:path';
import { startChild, type ChildHandle, type OsUser } from '@platform/process-runner';
import { RestartBackoff } from './restart-backoff';
import type { InstanceState } from './state';

export interface SlotOptions {
  service: string;
  entry: string;
  /** The release `entry` belongs to (service instances): every start, restarts too, runs its code. */
  release?: string;
  slot: number;
  /** Defaults to `<service>-<node>-<slot>`. */
  instanceId?: string;
  nodeName: string;
  logDir: string;
  env: NodeJS.ProcessEnv;
  /** The account the instance runs as (and a folder it can read to start in); absent: the supervisor's own. */
  user?: OsUser;
  cwd?: string;
  /** Called on every change, so the supervisor can persist its state. */
  onChange(): void;
  report(message: string): void;
}


/**
 * One supervised instance. A crash is reported and followed by a restart with exponential backoff;
 * a stop on purpose is not a crash.
 */
export class InstanceSlot {
  readonly state: InstanceState;
  private child: ChildHandle | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new RestartBackoff();

  constructor(private readonly options: SlotOptions) {
    const id = options.instanceId ?? `${options.service}-${options.nodeName}-${options.slot}`;
    this.state = { service: options.service, id, slot: options.slot, release: options.release, pid: null, state: 'starting', restarts: 0 };
  }

  start(): void {
    const { options } = this;
    const startedAt = Date.now();
    this.child = startChild(process.execPath, [options.entry], {
      env: {
        ...options.env,
        INSTANCE_ID: this.state.id,
        ...(options.release ? { PLATFORM_RELEASE: options.release } : {}),
        NODE_NAME: options.nodeName,
        LOG_DIR: options.logDir,
        LOG_TO_STDOUT: 'false',
      },
      // stdout/stderr hold only what the logger could not write: start failures and crashes.
      outputFile: join(options.logDir, options.service, `${this.state.id}.stdio.log`),
      user: options.user,
      cwd: options.cwd,
    });
    this.state.pid = this.child.pid;
    this.state.state = 'running';
    options.onChange();

    void this.child.exited.then(
      (exit) => this.onExit(exit.code, exit.signal, Date.now() - startedAt),
      (err: Error) => this.onExit(null, null, 0, err.message),
    );
  }

  private onExit(code: number | null, signal: string | null, upMs: number, error?: string): void {
    this.state.pid = null;
    this.state.lastExit = { code, signal, at: new Date().toISOString() };
    if (this.stopping) {
      this.state.state = 'stopped';
      this.options.onChange();
      return;
    }
    const delayMs = this.backoff.next(upMs);
    this.state.restarts += 1;
    this.state.state = 'restarting';
    this.options.report(
      `instance ${this.state.id} crashed (exit code ${code}, signal ${signal}${error ? `, ${error}` : ''}); restart ${this.state.restarts} in ${delayMs} ms — see ${this.state.id}.stdio.log`,
    );
    this.options.onChange();
    this.restartTimer = setTimeout(() => this.start(), delayMs);
  }

  /** Graceful: SIGTERM lets the kit drain; SIGKILL only after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.state.state = this.child?.isRunning() ? 'stopping' : 'stopped';
    this.options.onChange();
    if (this.child) await this.child.stop(graceMs);
    this.state.state = 'stopped';
    this.state.pid = null;
    this.options.onChange();
  }
}
