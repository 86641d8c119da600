import { PlatformError } from '@platform/process-runner';

/**
 * When a structural change (a backend added or removed, more slots) may reload HAProxy:
 * - at most one reload per `minIntervalMs`, so a burst of new services costs one reload, not one
 *   each; membership of the backends HAProxy already has keeps going through the Runtime API meanwhile;
 * - never again for a structure HAProxy refused: the refusal is logged once, and only a different
 *   structure (the next catalog change that touches it, or the offending entry leaving) is tried.
 */
export class ReloadGate {
  private lastReloadAt = Number.NEGATIVE_INFINITY;
  private refusedStructure: string | undefined;

  constructor(private readonly minIntervalMs: number) {}

  /** How long to wait before reloading now would respect the bound; 0 means now. */
  waitMs(now = Date.now()): number {
    return Math.max(0, this.lastReloadAt + this.minIntervalMs - now);
  }

  wasRefused(structure: string): boolean {
    return this.refusedStructure === structure;
  }

  reloaded(now = Date.now()): void {
    this.lastReloadAt = now;
    this.refusedStructure = undefined;
  }

  /** True the first time this structure is refused: the caller logs it then, and only then. */
  refused(structure: string, now = Date.now()): boolean {
    // A refused attempt counts against the rate too: checking a config at 1,000 backends is not free.
    this.lastReloadAt = now;
    const first = this.refusedStructure !== structure;
    this.refusedStructure = structure;
    return first;
  }

  get refusing(): boolean {
    return this.refusedStructure !== undefined;
  }
}

/** Backend name → server slots, as the running HAProxy has them: runtime commands may only address these. */
export type LiveSlots = ReadonlyMap<string, number>;

const SERVER = /^set server ([^/ ]+)\/s(\d+) /;

/** The commands that address servers the running HAProxy has; the others wait for the next reload, which renders them. */
export function commandsForLive(commands: readonly string[], live: LiveSlots): string[] {
  return commands.filter((command) => {
    const match = SERVER.exec(command);
    return match !== null && Number(match[2]) <= (live.get(match[1] ?? '') ?? 0);
  });
}

/** HAProxy's own check (`haproxy -c`) refused a configuration; `reason` is what it said. */
export class HaproxyConfigRefused extends PlatformError {
  constructor(readonly reason: string) {
    super('PLATFORM_HAPROXY_CONFIG_REFUSED', `haproxy refused the new configuration: ${reason}`);
  }
}
