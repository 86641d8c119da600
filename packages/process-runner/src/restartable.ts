import type { ChildHandle, ExitStatus } from './child';

/**
 * A process that can be started again after it exited (a crash, a kill in a test): `launch`
 * starts one run (typically with startUntilReady), and pid and exited follow the current run.
 * Components add their own fields and stop with Object.assign.
 */
export class RestartableChild {
  private constructor(
    private run: ChildHandle,
    private readonly launch: () => Promise<ChildHandle>,
    private readonly what: string,
  ) {}

  static async start(what: string, launch: () => Promise<ChildHandle>): Promise<RestartableChild> {
    return new RestartableChild(await launch(), launch, what);
  }

  get current(): ChildHandle {
    return this.run;
  }

  get pid(): number {
    return this.run.pid;
  }

  get exited(): Promise<ExitStatus> {
    return this.run.exited;
  }

  isRunning(): boolean {
    return this.run.isRunning();
  }

  /** Starts it again; only after it exited, so two runs never share its files and ports. */
  async restart(): Promise<void> {
    if (this.run.isRunning()) throw new Error(`${this.what} is still running (pid ${this.run.pid})`);
    this.run = await this.launch();
  }
}
