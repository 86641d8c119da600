import { mkdirSync } from 'node:fs';
import { OutageReport, watchServices, type ConsulClient, type Logger, type ServicesSnapshot, type WatchedInstance } from '@platform/service-kit';
import { BackendSlots, type Slot } from './backend-slots';
import { DrainConfirmer } from './drain-confirmations';
import { HaproxyProcess, haproxyPaths, type HaproxyPaths } from './haproxy-process';
import type { LbMetrics } from './lb-metrics';
import { renderConfig, type Listener, type RenderSettings } from './render-config';
import { backendsFor, type BackendSpec, type LbRole } from './roles';
import { applyCommands, describeServerState, serversState } from './runtime-api';

export interface LbControllerOptions {
  role: LbRole;
  bind: Listener;
  readBind?: Listener;
  replicaMaxLagMs?: number;
  threads?: number;
  stateDir: string;
  consulAddr: string;
  /** The controller's ACL token, for its blocking queries (the `consul` client carries it too). */
  consulToken?: string;
  controllerId: string;
  consul: ConsulClient;
  logger: Logger;
  metrics: LbMetrics;
  /** TLS, limits and privileges: fixed at start, in every render. */
  render?: RenderSettings;
}

/**
 * Keeps one HAProxy in step with Consul: runtime commands for servers coming, going and draining;
 * a seamless reload only when a backend appears, disappears or runs out of slots. Snapshots are
 * applied one at a time, always the newest, so a burst of changes costs one pass.
 */
export class LbController {
  private haproxy: HaproxyProcess | undefined;
  private readonly backends = new Map<string, { spec: BackendSpec; slots: BackendSlots }>();
  private readonly paths: HaproxyPaths;
  private readonly confirmer: DrainConfirmer;
  private watch: { stop(): void } | undefined;
  private pending: ServicesSnapshot | undefined;
  /** The newest snapshot seen; a retry applies it, never an older one. */
  private latest: ServicesSnapshot | undefined;
  private running: Promise<void> | undefined;
  private readonly consulOutage = new OutageReport({
    down: (error) => this.options.logger.warn('consul unreachable; HAProxy keeps the last known servers', { error: error.message }),
    up: () => this.options.logger.info('consul reachable again; following it'),
  });
  /**
   * Set when a pass failed half-way: this controller's slots then say more than HAProxy knows
   * (a reload that did not happen, commands refused), so the next pass reloads HAProxy from the
   * full rendered state instead of sending differences.
   */
  private resync = false;

  constructor(private readonly options: LbControllerOptions) {
    this.paths = haproxyPaths(options.stateDir);
    this.confirmer = new DrainConfirmer(options.consul, options.controllerId);
  }

  async start(): Promise<void> {
    mkdirSync(this.options.stateDir, { recursive: true });
    this.ensureBackends(this.specsFor(new Map()));
    this.haproxy = await HaproxyProcess.start(this.paths, this.render());
    const { role } = this.options;
    this.watch = watchServices({
      httpAddr: this.options.consulAddr,
      token: this.options.consulToken,
      onChange: (snapshot) => this.schedule(snapshot),
      onError: (err) => {
        this.options.metrics.consulErrors.inc({ role });
        this.consulOutage.failed(err);
      },
      onRecovered: () => this.consulOutage.succeeded(),
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
      } catch (err) {
        this.options.logger.error('applying a Consul change to HAProxy failed; reloading it from the full state in 500 ms', { index: snapshot.index, err });
        this.resync = true;
        setTimeout(() => this.schedule(this.latest ?? snapshot), 500);
        return;
      }
    }
  }

  private specsFor(services: ServicesSnapshot['services']): BackendSpec[] {
    return backendsFor(this.options.role, services, this.options.replicaMaxLagMs);
  }

  /** Adds and removes backends to match `specs`; true when that changed the structure. */
  private ensureBackends(specs: BackendSpec[]): boolean {
    let changed = false;
    for (const spec of specs) {
      if (!this.backends.has(spec.name)) {
        this.backends.set(spec.name, { spec, slots: new BackendSlots(spec.name, BackendSlots.sizeFor(1), [], spec.checkPath !== undefined) });
        changed = true;
      }
    }
    for (const name of [...this.backends.keys()]) {
      if (!specs.some((s) => s.name === name)) {
        this.backends.delete(name);
        changed = true;
      }
    }
    return changed;
  }

  private async apply(snapshot: ServicesSnapshot): Promise<void> {
    const { role, logger, metrics } = this.options;
    let structural = this.ensureBackends(this.specsFor(snapshot.services)) || this.resync;
    const commands: string[] = [];
    let changes = 0;
    for (const backend of this.backends.values()) {
      const service = backend.spec.service;
      const instances: readonly WatchedInstance[] = snapshot.services.get(service) ?? [];
      let plan = backend.slots.plan(instances);
      if (plan.overflow) {
        backend.slots = new BackendSlots(backend.spec.name, BackendSlots.sizeFor(instances.length), backend.slots.slots, backend.spec.checkPath !== undefined);
        plan = backend.slots.plan(instances);
        structural = true;
      }
      commands.push(...plan.commands);
      changes += plan.changes.length;
      for (const change of plan.changes) logger.info('server change', { role, index: snapshot.index, service, instanceId: change.instanceId, slot: change.slot, to: change.to });
    }
    if (structural) {
      await this.haproxy?.reload(this.render());
      metrics.reloads.inc({ role });
      logger.info('haproxy reloaded for a structural change', { role, index: snapshot.index, backends: [...this.backends.keys()] });
      // The new worker starts from the rendered config; drain states are not in it.
      await applyCommands(this.paths.adminSocket, this.drainCommands());
      this.resync = false;
    } else {
      await applyCommands(this.paths.adminSocket, commands);
    }
    if (changes > 0) {
      metrics.changesApplied.inc({ role }, changes);
      metrics.propagation.observe({ role }, (Date.now() - snapshot.observedAt) / 1000);
    }
    this.updateServerGauge();
    await this.confirmer.confirm(snapshot).catch((err: Error) => logger.warn('could not confirm drained instances in Consul', { error: err.message }));
  }

  private drainCommands(): string[] {
    return [...this.backends.values()].flatMap(({ slots }) => slots.slots.filter((s) => s.state === 'drain').map((s) => `set server ${slots.backend}/${s.name} state drain`));
  }

  private updateServerGauge(): void {
    const { role, metrics } = this.options;
    metrics.servers.reset();
    for (const { slots } of this.backends.values()) {
      for (const state of ['ready', 'drain', 'maint'] as const) {
        metrics.servers.set({ role, backend: slots.backend, state }, slots.slots.filter((s) => s.instanceId && s.state === state).length);
      }
    }
  }

  private render(): string {
    return renderConfig({
      ...this.options.render,
      role: this.options.role,
      bind: this.options.bind,
      readBind: this.options.readBind,
      threads: this.options.threads,
      adminSocket: this.paths.adminSocket,
      backends: [...this.backends.values()].map(({ spec, slots }) => ({ spec, slots: slots.slots })),
    });
  }

  /** The controller's slots beside what HAProxy itself reports for them. */
  async describe(): Promise<{ role: LbRole; bind: string; backends: { backend: string; service: string; servers: (Slot & { haproxy: string })[] }[] }> {
    const live = await serversState(this.paths.adminSocket);
    return {
      role: this.options.role,
      bind: `${this.options.bind.host}:${this.options.bind.port}`,
      backends: [...this.backends.values()].map(({ spec, slots }) => ({
        backend: spec.name,
        service: spec.service,
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
    await this.running;
    await this.haproxy?.stop();
  }
}
