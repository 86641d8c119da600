import { errorCodeOf, PlatformError } from '@platform/process-runner';
import { SERVICE_NAME } from '@platform/service-kit';
import { readHistory } from '../releases/release-history';
import { pruneReleases, readRelease, type Release } from '../releases/release-store';
import { blueGreenDeploy } from './blue-green';
import { canaryDeploy } from './canary';
import type { DeployContext, StrategyResult } from './deploy-context';
import { parseDeployRequest, type DeployRequest } from './deploy-request';
import { STRATEGIES, writeDeployStatus, type DeployStatus, type DeployStrategy } from './deploy-status';
import { notOfRelease, type Fleet } from './fleet';
import { rollingDeploy } from './rolling';

const STRATEGY_RUNS: Record<DeployStrategy, (ctx: DeployContext) => Promise<StrategyResult>> = { rolling: rollingDeploy, canary: canaryDeploy, 'blue-green': blueGreenDeploy };

interface ActiveDeploy {
  status: DeployStatus;
  rollbackAsked: boolean;
  wake?: () => void;
}

export interface DeploySettings {
  stateDir: string;
  releasesDir: string;
  keepReleases: number;
}

/**
 * Runs deploys and rollbacks inside the supervisor (which owns the instances), one per service at
 * a time, so a deploy goes on when the terminal that started it closes. Every decision is logged
 * and kept in `<state>/deploys/<service>.json`; every outcome counts in platform_deploys_total.
 */
export class DeployRunner {
  private readonly active = new Map<string, ActiveDeploy>();
  private readonly outcomes = new Map<string, number>();

  constructor(
    private readonly fleet: Fleet,
    private readonly settings: DeploySettings,
  ) {}

  /**
   * Every series of the service's counter, at 0, from the moment it runs: Prometheus must have seen
   * 0 before a deploy's outcome for increase() (and DeployRolledBack) to see the 1.
   */
  count(service: string): void {
    for (const strategy of STRATEGIES) {
      for (const kind of ['deploy', 'rollback'] as const) {
        for (const outcome of OUTCOMES) {
          const key = outcomeKey({ service, strategy, kind }, outcome);
          this.outcomes.set(key, this.outcomes.get(key) ?? 0);
        }
      }
    }
  }

  busy(service: string): boolean {
    return this.active.has(service);
  }

  async deploy(body: unknown): Promise<DeployStatus> {
    const request = parseDeployRequest(body);
    this.refuseBusy(request.service);
    const target = readRelease(this.settings.releasesDir, request.service, request.release);
    const running = this.fleet.running(request.service);
    if (running.id === target.id && notOfRelease(this.fleet, request.service, target.id).length === 0) {
      return this.begin('deploy', request, target, `${target.id} runs already: nothing to do`);
    }
    return this.begin('deploy', request, target);
  }

  /** During a canary's analysis or a blue-green keep: that deploy rolls back. Otherwise a rolling deploy of the previous release. */
  async rollback(body: unknown): Promise<DeployStatus> {
    const service = (body as { service?: unknown } | undefined)?.service;
    if (typeof service !== 'string' || !SERVICE_NAME.test(service)) throw new PlatformError('PLATFORM_USAGE', 'rollback needs {"service": name}');
    const active = this.active.get(service);
    if (active) {
      if (active.status.strategy === 'rolling') throw new PlatformError('PLATFORM_DEPLOY_BUSY', `a rolling ${active.status.kind} of ${service} runs; it rolls back by itself when an instance fails`);
      active.rollbackAsked = true;
      active.wake?.();
      return active.status;
    }
    const running = this.fleet.running(service);
    const { previous } = readHistory(this.settings.releasesDir, service);
    if (!previous || previous === running.id) throw new PlatformError('PLATFORM_NO_PREVIOUS_RELEASE', `${service} has no release to return to (it runs ${running.id})`);
    const target = readRelease(this.settings.releasesDir, service, previous);
    return this.begin('rollback', parseDeployRequest({ service, release: previous, strategy: 'rolling' }), target);
  }

  /** Prometheus text of platform_deploys_total (scraped from the supervisor's metrics endpoint). */
  metricsText(): string {
    const lines = ['# HELP platform_deploys_total Deploys and rollbacks ended, by service, strategy and outcome', '# TYPE platform_deploys_total counter'];
    for (const [key, count] of [...this.outcomes].sort()) lines.push(`platform_deploys_total{${key}} ${count}`);
    return `${lines.join('\n')}\n`;
  }

  private refuseBusy(service: string): void {
    const active = this.active.get(service);
    if (active) throw new PlatformError('PLATFORM_DEPLOY_BUSY', `a ${active.status.strategy} ${active.status.kind} of ${service} to ${active.status.to} runs since ${active.status.startedAt}`);
  }

  private begin(kind: DeployStatus['kind'], request: DeployRequest, target: Release, nothingToDo?: string): DeployStatus {
    const service = request.service;
    const status: DeployStatus = { service, kind, strategy: request.strategy, from: this.fleet.running(service).id, to: target.id, startedAt: new Date().toISOString(), finishedAt: null, outcome: 'running', error: null, decisions: [] };
    const active: ActiveDeploy = { status, rollbackAsked: false };
    const save = () => writeDeployStatus(this.settings.stateDir, status);
    const ctx: DeployContext = {
      fleet: this.fleet,
      request,
      target,
      decide: (message) => {
        status.decisions.push({ at: new Date().toISOString(), message });
        this.fleet.log(`${kind} ${service} ${target.id} (${request.strategy}): ${message}`);
        save();
      },
      keeping: () => {
        status.outcome = 'keeping';
        save();
      },
      wait: (ms) => waitOrRollback(active, ms),
    };
    this.active.set(service, active);
    ctx.decide(`${kind} ${status.from} → ${target.id} (${request.strategy}) started`);
    const run = nothingToDo ? Promise.resolve<StrategyResult>({ outcome: 'done' }).finally(() => ctx.decide(nothingToDo)) : this.migrate(kind, ctx).then(() => STRATEGY_RUNS[request.strategy](ctx));
    void run
      .then(
        (result) => this.finish(ctx, status, result.outcome, result.outcome === 'rolled back' ? result.reason : null),
        (err: unknown) => {
          if (errorCodeOf(err) !== 'PLATFORM_INTERNAL') status.code = errorCodeOf(err);
          this.finish(ctx, status, 'failed', err instanceof Error ? err.message : String(err));
        },
      )
      .finally(() => this.active.delete(service));
    return status;
  }

  /**
   * Before a deploy's first new instance: the release's pending migrations. A rollback applies
   * none: the release it returns to ran on a prefix of the schema, which only grew compatibly.
   */
  private async migrate(kind: DeployStatus['kind'], ctx: DeployContext): Promise<void> {
    if (kind !== 'deploy') return;
    const applied = await this.fleet.migrate(ctx.target);
    ctx.decide(applied.length > 0 ? `migrations applied: ${applied.join(', ')}` : 'no pending migration');
  }

  private finish(ctx: DeployContext, status: DeployStatus, outcome: DeployStatus['outcome'], error: string | null): void {
    status.outcome = outcome;
    status.error = error;
    status.finishedAt = new Date().toISOString();
    const key = outcomeKey(status, outcome);
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    const running = this.fleet.running(status.service).id;
    const protect = [running, readHistory(this.settings.releasesDir, status.service).previous ?? running, ...this.fleet.instances(status.service).flatMap((i) => (i.state.release ? [i.state.release] : []))];
    const pruned = pruneReleases(this.settings.releasesDir, status.service, this.settings.keepReleases, protect);
    ctx.decide(`${outcome}${error ? `: ${error}` : ''}${pruned.length > 0 ? ` (pruned ${pruned.join(', ')})` : ''}`);
  }
}

const OUTCOMES: DeployStatus['outcome'][] = ['done', 'rolled back', 'failed'];

/** The labels of one platform_deploys_total series (service names and strategies need no escaping). */
const outcomeKey = (status: Pick<DeployStatus, 'service' | 'strategy' | 'kind'>, outcome: DeployStatus['outcome']): string =>
  `service="${status.service}",strategy="${status.strategy}",kind="${status.kind}",outcome="${outcome.replace(' ', '-')}"`;

function waitOrRollback(active: ActiveDeploy, ms: number): Promise<'elapsed' | 'rollback'> {
  if (active.rollbackAsked) return Promise.resolve('rollback');
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('elapsed'), ms);
    active.wake = () => {
      clearTimeout(timer);
      resolve('rollback');
    };
  });
}
