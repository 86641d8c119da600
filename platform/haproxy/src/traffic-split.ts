import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutRecord } from '@platform/consul';
import { OutageReport, consulErrorKind, type BlockingQuery, type Logger, type ServicesSnapshot, type WatchedInstance } from '@platform/service-kit';
import type { LbMetrics } from './lb-metrics';
import type { BackendSpec, LbRole } from './roles';
import { watchRollouts } from './rollout-watch';
import { replaceMap } from './runtime-api';
import type { TablePlan } from './backend-table';
import { candidateBackendName, deferLeaving, mapEntries, planSplits, sideOf, type SplitEntry } from './split-plan';

export interface TrafficSplitOptions {
  role: LbRole;
  stateDir: string;
  adminSocket: string;
  consulAddr: string;
  consulToken?: string;
  logger: Logger;
  metrics: LbMetrics;
}

/** Applies runtime commands (or reloads, when the structure changed): the split map changes between two batches of them. */
export type ApplyCommands = (commands: string[]) => Promise<void>;

/**
 * The controller's side of traffic splitting (docs/load-balancing.md, Traffic splitting): follows
 * the rollout records, gives every routed service a candidate backend beside its own, sorts the
 * instances between them by their `release` meta, and keeps HAProxy's split map (service →
 * weights) in step through the Runtime API. A weight change or a record's end is one map
 * replacement, never a reload.
 */
export class TrafficSplit {
  readonly mapFile: string;
  private records = new Map<string, RolloutRecord>();
  private recordsIndex = '0';
  private applied: SplitEntry[] = [];
  private appliedMap = '';
  private watch: BlockingQuery | undefined;
  private readonly outage: OutageReport;

  constructor(private readonly options: TrafficSplitOptions) {
    this.mapFile = join(options.stateDir, 'splits.map');
    this.outage = new OutageReport({
      down: (error) => options.logger.warn('cannot read the rollout records; the splits applied stay as they are', { error: error.message }),
      up: () => options.logger.info('reading the rollout records again'),
    });
  }

  /** The db role routes no HTTP services: nothing to split. */
  static followedBy(role: LbRole): boolean {
    return role !== 'db';
  }

  /** Before HAProxy starts: the map its configuration names must exist. */
  prepare(): void {
    writeFileSync(this.mapFile, '', { mode: 0o600 });
  }

  /** Follows the rollout prefix; `changed` re-applies the newest catalog snapshot with the new records. */
  start(changed: () => void): void {
    const { role, metrics } = this.options;
    this.watch = watchRollouts({
      httpAddr: this.options.consulAddr,
      token: this.options.consulToken,
      logger: this.options.logger,
      onChange: (records, index) => {
        this.records = records;
        this.recordsIndex = index;
        changed();
      },
      onError: (error) => {
        metrics.consulErrors.inc({ role, kind: consulErrorKind(error) });
        this.outage.failed(error);
      },
      onRecovered: () => this.outage.succeeded(),
    });
  }

  stop(): void {
    this.watch?.stop();
  }

  /** Every service backend gets a small candidate backend beside it, so a rollout needs no reload. */
  specs(specs: readonly BackendSpec[]): BackendSpec[] {
    return specs.flatMap((spec) => [spec, { name: candidateBackendName(spec.service), service: spec.service, candidate: true, slots: 2 }]);
  }

  /** The instances one backend holds: the candidate release's in the candidate backend, the rest in the service's own. */
  readonly pick = (spec: BackendSpec, instances: readonly WatchedInstance[]): readonly WatchedInstance[] => {
    const record = this.records.get(spec.service);
    const side = spec.candidate ? 'candidate' : 'stable';
    return instances.filter((i) => sideOf(i, record) === side);
  };

  /**
   * Applies a snapshot's servers and split: the servers placed first (an instance that changes
   * side is then in both backends), the new split map, then the servers that leave rotation. So
   * no caller is sent to a side while its last instance drains or moves, and a weight change
   * alone is one map replacement.
   */
  async apply(snapshot: ServicesSnapshot, specs: readonly BackendSpec[], plan: Pick<TablePlan, 'commands' | 'changes'>, applyCommands: ApplyCommands): Promise<void> {
    const next = planSplits(this.records, snapshot.services, new Set(specs.map((s) => s.service)));
    const leaving = new Set(plan.changes.filter((c) => c.to !== 'ready').map((c) => `${c.backend}/${c.slot}`));
    const { first, last } = deferLeaving(plan.commands, leaving);
    const lines = mapEntries(next);
    const text = lines.map(([k, v]) => `${k} ${v}\n`).join('');
    const changed = text !== this.appliedMap;
    // The file before the servers: a reload among them starts the new worker with the new split and servers together.
    if (changed) writeFileSync(this.mapFile, text, { mode: 0o600 });
    await applyCommands(first);
    if (changed) {
      await replaceMap(this.options.adminSocket, this.mapFile, lines);
      this.appliedMap = text;
    }
    if (last.length > 0) await applyCommands(last);
    this.report(next, snapshot.index);
    this.applied = next;
  }

  /** What /lb/state shows: the splits this HAProxy applies, and the KV index of the records they come from. */
  describe(): { rolloutIndex: string; splits: readonly SplitEntry[] } {
    return { rolloutIndex: this.recordsIndex, splits: this.applied };
  }

  /** One log line per service whose split changed, with both Consul indexes; the gauges follow. */
  private report(next: readonly SplitEntry[], catalogIndex: string): void {
    const { role, logger, metrics } = this.options;
    const before = new Map(this.applied.map((e) => [e.service, e]));
    for (const entry of next) {
      const old = before.get(entry.service);
      before.delete(entry.service);
      if (old && JSON.stringify(old) === JSON.stringify(entry)) continue;
      logger.info('traffic split applied', {
        role,
        // `service` would clash with the ECS service.* of the controller itself.
        'service.target': entry.service,
        candidate: entry.candidate,
        weight: entry.weight,
        effectiveWeight: entry.effective.normal,
        routable: entry.routable,
        rolloutIndex: this.recordsIndex,
        index: catalogIndex,
      });
      metrics.splitWeight.set({ role, service: entry.service }, entry.weight);
      metrics.splitEffectiveWeight.set({ role, service: entry.service }, entry.effective.normal);
    }
    for (const service of before.keys()) {
      logger.info('traffic split removed: every instance is equal again', { role, 'service.target': service, rolloutIndex: this.recordsIndex, index: catalogIndex });
      metrics.splitWeight.remove({ role, service });
      metrics.splitEffectiveWeight.remove({ role, service });
    }
  }
}
