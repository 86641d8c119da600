import { isIP } from 'node:net';
import type { InstanceHealth, WatchedInstance } from '@platform/service-kit';

/** What a server slot should be doing, derived from Consul's view of the instance in it. */
export type SlotState = 'ready' | 'drain' | 'maint';

export interface Slot {
  name: string;
  instanceId?: string;
  address: string;
  port: number;
  /** Where HAProxy sends its health check, when not the traffic port (meta `check-port`). */
  checkPort?: number;
  state: SlotState;
}

const isPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

const checkPortOf = (instance: WatchedInstance): number | undefined => {
  const port = Number(instance.meta['check-port']);
  return isPort(port) ? port : undefined;
};

/**
 * The kit's watcher already dropped malformed entries; this is the second line, where strings
 * become Runtime API commands: a server address must be an IP (the Runtime API takes no names)
 * and ports numbers in range, or the instance is not placed at all.
 */
export const placeable = (instance: WatchedInstance): boolean => isIP(instance.address) !== 0 && isPort(instance.port);

export const PLACEHOLDER = { address: '127.0.0.1', port: 1 };

export function slotStateFor(health: InstanceHealth): SlotState {
  // Maintenance is how the kit announces a graceful shutdown: drain lets in-flight work finish.
  if (health === 'passing' || health === 'warning') return 'ready';
  return health === 'maintenance' ? 'drain' : 'maint';
}

export interface SlotPlan {
  commands: string[];
  /** Instance ids newly placed, now draining, or removed; for the change log. */
  changes: { instanceId: string; slot: string; to: SlotState | 'removed' }[];
  /** More instances than slots: the backend needs a reload with more server lines. */
  overflow: boolean;
}

/**
 * The server slots of one HAProxy backend, and the Runtime API commands that make them match
 * Consul. A slot keeps its instance while Consul lists it; a gone instance frees its slot (left in
 * maintenance); a new instance takes a free slot. Pure: it only plans, the caller applies.
 */
export class BackendSlots {
  readonly slots: Slot[];

  /**
   * `checkGated`: a server entering service starts with its health down, so it takes traffic only
   * after its first successful check (HAProxy would otherwise assume it healthy at once, and a
   * replica could take writes until its /primary check failed).
   */
  constructor(
    readonly backend: string,
    size: number,
    previous: readonly Slot[] = [],
    private readonly checkGated = false,
  ) {
    this.slots = Array.from({ length: size }, (_, i) => {
      const kept = previous[i];
      return kept ? { ...kept } : { name: `s${i + 1}`, ...PLACEHOLDER, state: 'maint' as const };
    });
  }

  /** Slots needed to place every instance with room to grow, so most scaling avoids a reload. */
  static sizeFor(instances: number): number {
    return Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(1, instances) * 2)));
  }

  plan(instances: readonly WatchedInstance[]): SlotPlan {
    const commands: string[] = [];
    const changes: SlotPlan['changes'] = [];
    const wanted = new Map(instances.filter(placeable).map((i) => [i.id, i]));
    const server = (slot: Slot) => `${this.backend}/${slot.name}`;

    for (const slot of this.slots) {
      if (!slot.instanceId) continue;
      const instance = wanted.get(slot.instanceId);
      if (!instance) {
        if (slot.state !== 'maint') commands.push(`set server ${server(slot)} state maint`);
        changes.push({ instanceId: slot.instanceId, slot: slot.name, to: 'removed' });
        slot.instanceId = undefined;
        slot.state = 'maint';
        continue;
      }
      wanted.delete(slot.instanceId);
      if (instance.address !== slot.address || instance.port !== slot.port || checkPortOf(instance) !== slot.checkPort) {
        commands.push(`set server ${server(slot)} state maint`, ...this.placeCommands(slot, instance));
        slot.state = 'maint';
      }
      const target = slotStateFor(instance.health);
      if (target !== slot.state) {
        commands.push(`set server ${server(slot)} state ${target}`);
        if (this.checkGated && target === 'ready') commands.push(`set server ${server(slot)} health down`);
        changes.push({ instanceId: slot.instanceId, slot: slot.name, to: target });
        slot.state = target;
      }
    }

    let overflow = false;
    for (const instance of wanted.values()) {
      const target = slotStateFor(instance.health);
      // A new instance that is not passing gets no slot until it is.
      if (target !== 'ready') continue;
      const free = this.slots.find((s) => !s.instanceId);
      if (!free) {
        overflow = true;
        continue;
      }
      if (free.state !== 'maint') commands.push(`set server ${server(free)} state maint`);
      commands.push(...this.placeCommands(free, instance), `set server ${server(free)} state ready`);
      // Leaving maintenance makes a server UP at once, so health goes down right after, in the same batch.
      if (this.checkGated) commands.push(`set server ${server(free)} health down`);
      Object.assign(free, { instanceId: instance.id, state: 'ready' });
      changes.push({ instanceId: instance.id, slot: free.name, to: 'ready' });
    }
    return { commands, changes, overflow };
  }

  /** Points a slot at an instance (address, port, check port), recording it in the slot. */
  private placeCommands(slot: Slot, instance: WatchedInstance): string[] {
    const server = `${this.backend}/${slot.name}`;
    const commands = [`set server ${server} addr ${instance.address} port ${instance.port}`];
    const checkPort = checkPortOf(instance);
    if (checkPort !== undefined) commands.push(`set server ${server} check-port ${checkPort}`);
    slot.address = instance.address;
    slot.port = instance.port;
    slot.checkPort = checkPort;
    return commands;
  }
}
