import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutageReport, consulErrorKind, jitteredBackoffMs, quoteForLog, watchServices, type ConsulClient, type Logger, type RejectedEntry, type ServicesSnapshot } from '@platform/service-kit';
import type { Slot } from './backend-slots';
import { BackendTable } from './backend-table';
import { DrainConfirmer } from './drain-confirmations';
import { HaproxyProcess, haproxyPaths, type HaproxyPaths } from './haproxy-process';
import type { LbMetrics } from './lb-metrics';
import { renderConfig, type Listener, type RenderSettings } from './render-config';
import { commandsForLive, HaproxyConfigRefused, ReloadGate, type LiveSlots } from './reload-gate';
import { backendsFor, followedBy, type BackendSpec, type LbRole } from './roles';
import { applyCommands, describeServerState, serversState } from './runtime-api';
import { TrafficSplit } from './traffic-split';

export interface LbControllerOptions {
  role: LbRole;
  bind: Listener;
  readBind?: Listener;
  replicaMaxLagMs?: number;
  threads?: number;
  stateDir: string;
  /** HAProxy's own log file, when not `<stateDir>/haproxy.log` (the edge's goes where Filebeat reads). */
  haproxyLog?: string;
  consulAddr: string;
  /** ACL token for the catalog reads (the drain writes go through `consul`, which carries its own). */
  consulToken?: string;
  /** At most one structural reload per this many ms; a burst of new services shares one. */
  minReloadIntervalMs?: number;
  controllerId: string;
  consul: ConsulClient;
  logger: Logger;
  metrics: LbMetrics;
  /** TLS, limits and privileges: fixed at start, in every render. */
  render?: RenderSettings;
}

/**
 * Keeps one HAProxy in step with Consul: runtime commands for servers coming, going and draining;
 * a seamless reload only when a backend appears, disappears or runs out of slots, at a bounded
 * rate. Snapshots are applied one at a time, always the newest, so a burst of changes costs one
 * pass. A configuration HAProxy refuses is logged once and not tried again until the structure
 * changes; runtime changes keep flowing to the backends HAProxy has.
 */
export class LbController {
  private haproxy: HaproxyProcess | undefined;
  private readonly backends = new BackendTable();
  private readonly paths: HaproxyPaths;
  private readonly confirmer: DrainConfirmer;
  private watch: { stop(): void } | undefined;
  private pending: ServicesSnapshot | undefined;
  /** The newest snapshot seen; a retry applies it, never an older one. */
  private latest: ServicesSnapshot | undefined;
  private running: Promise<void> | undefined;
  private readonly consulOutage = new OutageReport({
    down: (error) =>
      consulErrorKind(error) === 'refused'
        ? this.options.logger.warn('consul refused the catalog watch; backing off, HAProxy keeps the last known servers', { error: error.message })
        : this.options.logger.warn('consul unreachable; HAProxy keeps the last known servers', { error: error.message }),
    up: () => this.options.logger.info('consul answering again; following it'),
  });
  /**
   * Set when HAProxy's running configuration is behind this controller's slots: a structural
   * change not reloaded yet (rate bound, refusal) or a pass that failed half-way. The next pass
   * that may reload renders the full state instead of sending differences.
   */
  private reloadPending = false;
  private readonly reloads: ReloadGate;
  /** The backends and slot counts of the configuration HAProxy runs. */
  private live: LiveSlots = new Map();
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The settings every render uses; `rerender` replaces them (the edge's peers), bumping the version. */
  private renderSettings: RenderSettings | undefined;
  private renderVersion = 0;
  /** Rollout records → candidate backends and the split map (not for the db role). */
  private readonly split: TrafficSplit | undefined;

  constructor(private readonly options: LbControllerOptions) {
    this.paths = haproxyPaths(options.stateDir, options.haproxyLog);
    this.confirmer = new DrainConfirmer(options.consul, options.controllerId);
    this.reloads = new ReloadGate(options.minReloadIntervalMs ?? 1_000);
    this.renderSettings = options.render;
    const { role, stateDir, consulAddr, consulToken, logger, metrics } = options;
    this.split = TrafficSplit.followedBy(role) ? new TrafficSplit({ role, stateDir, adminSocket: this.paths.adminSocket, consulAddr, consulToken, logger, metrics }) : undefined;
  }

  /**
   * Settings HAProxy cannot take at run time (the edge's `peers` members, in 2.6): the next pass
   * reloads with them, through the same gate and rate bound as a structural change.
   */
  rerender(render: RenderSettings): void {
    this.renderSettings = render;
    this.renderVersion += 1;
    this.reloadPending = true;
    if (this.latest) this.schedule(this.latest);
  }

  async start(): Promise<void> {
    mkdirSync(this.options.stateDir, { recursive: true });
    mkdirSync(dirname(this.paths.log), { recursive: true });
    this.backends.ensure(this.specsFor(new Map()));
    this.split?.prepare();
    this.haproxy = await HaproxyProcess.start(this.paths, this.render());
    this.live = this.backends.slotCounts();
    const { role, logger } = this.options;
    this.watch = watchServices({
      httpAddr: this.options.consulAddr,
      token: this.options.consulToken,
      include: followedBy(role),
      onChange: (snapshot) => this.schedule(snapshot),
      onRejected: (entry: RejectedEntry) =>
        logger.warn('catalog entry ignored: it is never routed', { role, service: quoteForLog(entry.service), instanceId: quoteForLog(entry.instanceId), node: quoteForLog(entry.node), reason: entry.reason }),
      onError: (err) => {
        this.options.metrics.consulErrors.inc({ role, kind: consulErrorKind(err) });
        this.consulOutage.failed(err);
      },
      onRecovered: () => this.consulOutage.succeeded(),
    });
    this.split?.start(() => {
      if (this.latest) this.schedule(this.latest);
    });
  }

  get haproxyPid(): number | undefined {
    return this.haproxy?.pid;
  }

  isHealthy(): boolean {
    return this.haproxy !== undefined;
  }

  private schedule(snapshot: ServicesSnapshot): void {
    this.pending = snapshot;
    this.latest = snapshot;
    this.running ??= this.drainQueue().finally(() => (this.running = undefined));
  }

  private async drainQueue(): Promise<void> {
    while (this.pending) {
      const snapshot = this.pending;
      this.pending = undefined;
      try {
        await this.apply(snapshot);
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        const delayMs = jitteredBackoffMs(this.failures, { firstMs: 500, maxMs: 30_000 });
        this.options.logger.error('applying a Consul change to HAProxy failed; reloading it from the full state later', { index: snapshot.index, retryInMs: Math.round(delayMs), err });
        this.reloadPending = true;
        this.retryAfter(delayMs);
        return;
      }
    }
  }

  /** One pass of the newest snapshot after `delayMs`; a later call replaces an earlier one. */
  private retryAfter(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.latest) this.schedule(this.latest);
    }, delayMs);
  }

  private specsFor(services: ServicesSnapshot['services']): BackendSpec[] {
    const specs = backendsFor(this.options.role, services, this.options.replicaMaxLagMs);
    return this.split ? this.split.specs(specs) : specs;
  }

  private async apply(snapshot: ServicesSnapshot): Promise<void> {
    const { role, logger, metrics } = this.options;
    const specs = this.specsFor(snapshot.services);
    const { commands, changes, structural } = this.backends.plan(specs, snapshot.services, this.split?.pick);
    if (structural) this.reloadPending = true;
    for (const change of changes) logger.info('server change', { role, index: snapshot.index, service: change.service, backend: change.backend, instanceId: change.instanceId, slot: change.slot, to: change.to });
    const send = (batch: string[]): Promise<void> => (this.reloadPending ? this.reloadOrDefer(snapshot.index, batch) : applyCommands(this.paths.adminSocket, batch));
    await (this.split ? this.split.apply(snapshot, specs, { commands, changes }, send) : send(commands));
    if (changes.length > 0) {
      metrics.changesApplied.inc({ role }, changes.length);
      metrics.propagation.observe({ role }, (Date.now() - snapshot.observedAt) / 1000);
    }
    if (structural) metrics.servers.reset();
    const touched = structural ? undefined : new Set(changes.map((c) => c.service));
    for (const { backend, state, count } of this.backends.counts(touched)) metrics.servers.set({ role, backend, state }, count);
    await this.confirmer.confirm(snapshot).catch((err: Error) => logger.warn('could not confirm drained instances in Consul', { error: err.message }));
  }

  /**
   * Reloads HAProxy from the full state when the rate bound allows and the structure was not
   * refused before; otherwise applies the commands HAProxy's running backends can take and
   * leaves the rest to the reload (a timer brings it when the bound allows).
   */
  private async reloadOrDefer(index: string, commands: string[]): Promise<void> {
    const { role, logger, metrics } = this.options;
    const structure = `${this.backends.structureKey()}#${this.renderVersion}`;
    const waitMs = this.reloads.waitMs();
    if (this.reloads.wasRefused(structure) || waitMs > 0) {
      if (waitMs > 0 && !this.reloads.wasRefused(structure)) this.retryAfter(waitMs);
      await applyCommands(this.paths.adminSocket, commandsForLive(commands, this.live));
      return;
    }
    try {
      await this.haproxy?.reload(this.render());
    } catch (err) {
      if (!(err instanceof HaproxyConfigRefused)) throw err;
      metrics.refusedConfigs.inc({ role });
      if (this.reloads.refused(structure)) logger.error('haproxy refused the configuration; it keeps the last one, runtime changes go on, and the next structural change is tried', { role, index, reason: err.reason });
      await applyCommands(this.paths.adminSocket, commandsForLive(commands, this.live));
      return;
    }
    this.reloads.reloaded();
    this.live = this.backends.slotCounts();
    this.reloadPending = false;
    metrics.reloads.inc({ role });
    logger.info('haproxy reloaded for a structural change', { role, index, backends: this.backends.size });
    // The new worker starts from the rendered config; drain states are not in it.
    await applyCommands(this.paths.adminSocket, this.backends.drainCommands());
  }

  private render(): string {
    return renderConfig({
      ...this.renderSettings,
      role: this.options.role,
      bind: this.options.bind,
      readBind: this.options.readBind,
      threads: this.options.threads,
      adminSocket: this.paths.adminSocket,
      splitMap: this.split?.mapFile,
      backends: this.backends.renderInput(),
    });
  }

  /** The controller's slots beside what HAProxy itself reports for them. */
  async describe(): Promise<{ role: LbRole; bind: string; traffic?: ReturnType<TrafficSplit['describe']>; backends: { backend: string; service: string; candidate: boolean; servers: (Slot & { haproxy: string })[] }[] }> {
    const live = await serversState(this.paths.adminSocket);
    return {
      role: this.options.role,
      bind: `${this.options.bind.host}:${this.options.bind.port}`,
      traffic: this.split?.describe(),
      backends: this.backends.entries().map(({ spec, slots }) => ({
        backend: spec.name,
        service: spec.service,
        candidate: spec.candidate ?? false,
        servers: slots.slots
          .filter((s) => s.instanceId)
          .map((s) => {
            const seen = live.find((l) => l.backend === spec.name && l.server === s.name);
            return { ...s, haproxy: seen ? `${describeServerState(seen)} ${seen.address}:${seen.port}` : 'missing' };
          }),
      })),
    };
  }

  async stop(): Promise<void> {
    this.watch?.stop();
    this.split?.stop();
    clearTimeout(this.retryTimer);
    await this.running;
    await this.haproxy?.stop();
  }
}
