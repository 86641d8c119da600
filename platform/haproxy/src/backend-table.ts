import type { ServicesSnapshot, WatchedInstance } from '@platform/service-kit';
import { BackendSlots, type SlotPlan } from './backend-slots';
import type { RenderInput } from './render-config';
import type { LiveSlots } from './reload-gate';
import type { BackendSpec } from './roles';

export interface TablePlan {
  commands: string[];
  changes: (SlotPlan['changes'][number] & { service: string; backend: string })[];
  /** A backend came, went or needs more slots: only a reload brings HAProxy there. */
  structural: boolean;
}

export type InstancePick = (spec: BackendSpec, instances: readonly WatchedInstance[]) => readonly WatchedInstance[];

/**
 * The backends one controller keeps in HAProxy, each with its server slots: what a snapshot
 * changes in them, and the views a reload, the Runtime API and the metrics need.
 */
export class BackendTable {
  private readonly backends = new Map<string, { spec: BackendSpec; slots: BackendSlots }>();

  /** Adds and removes backends to match `specs`; true when that changed the structure. */
  ensure(specs: readonly BackendSpec[]): boolean {
    let changed = false;
    for (const spec of specs) {
      if (this.backends.has(spec.name)) continue;
      this.backends.set(spec.name, { spec, slots: new BackendSlots(spec.name, spec.slots ?? BackendSlots.sizeFor(1), [], spec.checkPath !== undefined) });
      changed = true;
    }
    const wanted = new Set(specs.map((s) => s.name));
    for (const name of [...this.backends.keys()]) {
      if (wanted.has(name)) continue;
      this.backends.delete(name);
      changed = true;
    }
    return changed;
  }

  /**
   * Moves every backend's slots to the snapshot (growing a backend that ran out of them). `pick`
   * narrows a backend to some of its service's instances (one side of a traffic split).
   */
  plan(specs: readonly BackendSpec[], services: ServicesSnapshot['services'], pick: InstancePick = (_spec, all) => all): TablePlan {
    let structural = this.ensure(specs);
    const commands: string[] = [];
    const changes: TablePlan['changes'] = [];
    for (const backend of this.backends.values()) {
      const service = backend.spec.service;
      const instances = pick(backend.spec, services.get(service) ?? []);
      let plan = backend.slots.plan(instances);
      if (plan.overflow) {
        backend.slots = new BackendSlots(backend.spec.name, BackendSlots.sizeFor(instances.length), backend.slots.slots, backend.spec.checkPath !== undefined);
        plan = backend.slots.plan(instances);
        structural = true;
      }
      commands.push(...plan.commands);
      changes.push(...plan.changes.map((change) => ({ ...change, service, backend: backend.spec.name })));
    }
    return { commands, changes, structural };
  }

  get size(): number {
    return this.backends.size;
  }

  entries(): { spec: BackendSpec; slots: BackendSlots }[] {
    return [...this.backends.values()];
  }

  renderInput(): RenderInput['backends'] {
    return this.entries().map(({ spec, slots }) => ({ spec, slots: slots.slots }));
  }

  /** What a reload would change: backends, their slot counts and checks (not server states, which the Runtime API sets). */
  structureKey(): string {
    return JSON.stringify(this.entries().map(({ spec, slots }) => [spec.name, spec.checkPath ?? '', slots.slots.length]));
  }

  slotCounts(): LiveSlots {
    return new Map(this.entries().map(({ slots }) => [slots.backend, slots.slots.length]));
  }

  /** A new worker starts from the rendered config, where draining servers are simply enabled. */
  drainCommands(): string[] {
    return this.entries().flatMap(({ slots }) => slots.slots.filter((s) => s.state === 'drain').map((s) => `set server ${slots.backend}/${s.name} state drain`));
  }

  /** Occupied slots per backend and state, for the lb_servers gauge: of every backend, or of those for `services`. */
  counts(services?: ReadonlySet<string>): { backend: string; service: string; state: 'ready' | 'drain' | 'maint'; count: number }[] {
    return this.entries()
      .filter(({ spec }) => !services || services.has(spec.service))
      .flatMap(({ spec, slots }) =>
        (['ready', 'drain', 'maint'] as const).map((state) => ({ backend: slots.backend, service: spec.service, state, count: slots.slots.filter((s) => s.instanceId && s.state === state).length })),
      );
  }
}
