import { judgeCanary, type CanaryReadings, type CanaryVerdict } from './canary-analysis';
import type { DeployContext, StrategyResult } from './deploy-context';
import { rolledBack } from './deploy-context';
import { notOfRelease, ofRelease, startRouted } from './fleet';
import { scrapeService, servedSince, type StatsByInstance } from './instance-metrics';
import { deleteRollout, writeRollout } from './rollout-kv';
import { drainLogged } from './rolling';

/** How often the canary's figures are read during the analysis window. */
const READ_EVERY_MS = 1_000;

/**
 * New-release instances beside the old, `--weight` percent of callers sent to them by the rollout
 * record, their 5xx ratio and p99 compared with the stable release's over `--analysis`; then
 * promoted (weight 100, old drained, record deleted) or rolled back (weight 0, candidates drained,
 * record deleted). The old release keeps serving throughout.
 */
export async function canaryDeploy(ctx: DeployContext): Promise<StrategyResult> {
  const { fleet, request, target } = ctx;
  const service = request.service;
  const stable = fleet.running(service);
  const old = notOfRelease(fleet, service, target.id);
  const consul = fleet.consul();
  const count = Math.max(1, Math.round((old.length * request.weight) / 100));
  // Written before the candidates exist, so none of them takes an equal share on joining.
  await writeRollout(consul, { service, candidate: target.id, weight: request.weight, strategy: 'canary' });
  ctx.decide(`rollout record written: ${request.weight} % of callers to ${target.id}`);
  const { failure } = await startRouted(fleet, service, target, count, request.healthTimeoutS * 1000);
  if (failure) {
    await deleteRollout(consul, service);
    ctx.decide(`canary instance failed: ${failure}; record deleted, ${stable.id} serves everything`);
    return rolledBack(failure);
  }
  ctx.decide(`${count} instance(s) of ${target.id} routed beside ${old.length} of ${stable.id}; analysing for ${request.analysisS} s`);
  const verdict = await analyse(ctx, stable.id);
  ctx.decide(`verdict: ${verdict.decision}: ${verdict.reason}`);
  if (verdict.decision !== 'promote') {
    await writeRollout(consul, { service, candidate: target.id, weight: 0, strategy: 'canary' });
    ctx.decide('weight 0: no new caller reaches the candidate');
    await Promise.all(ofRelease(fleet, service, target.id).map((i) => drainLogged(ctx, i)));
    await deleteRollout(consul, service);
    ctx.decide(`record deleted; ${stable.id} serves everything`);
    return rolledBack(verdict.reason);
  }
  await writeRollout(consul, { service, candidate: target.id, weight: 100, strategy: 'canary' });
  ctx.decide(`promoted: weight 100 to ${target.id}`);
  const more = old.length - count;
  if (more > 0) {
    const grown = await startRouted(fleet, service, target, more, request.healthTimeoutS * 1000);
    // At weight 100 the candidates serve every caller already: the old instances go either way.
    ctx.decide(grown.failure ? `starting ${more} more of ${target.id} failed (${grown.failure}); fewer instances than before` : `${more} more instance(s) of ${target.id} routed`);
  }
  await Promise.all(old.map((i) => drainLogged(ctx, i)));
  await deleteRollout(consul, service);
  fleet.adopt(service, target);
  ctx.decide(`record deleted; every instance runs ${target.id}`);
  return { outcome: 'done' };
}

/**
 * The share of the window a fresh candidate has to warm up before its latency counts (see
 * judgeCanary); errors count from the start.
 */
const WARM_UP_SHARE = 0.25;

/** Reads the figures every second until the window ends, a verdict comes early, or a rollback is asked. */
async function analyse(ctx: DeployContext, stableId: string): Promise<CanaryVerdict> {
  const { fleet, request, target } = ctx;
  const readings = (since: StatsByInstance, now: StatsByInstance): CanaryReadings => ({ candidate: servedSince(since, now, target.id), stable: servedSince(since, now, stableId) });
  const start = await scrapeService(fleet, request.service);
  const warmAt = Date.now() + request.analysisS * 1000 * WARM_UP_SHARE;
  const endsAt = Date.now() + request.analysisS * 1000;
  let warm: StatsByInstance | null = null;
  for (;;) {
    const waited = await ctx.wait(Math.max(0, Math.min(READ_EVERY_MS, endsAt - Date.now())));
    const now = await scrapeService(fleet, request.service);
    const verdict = judgeCanary(readings(start, now), warm && readings(warm, now), request.thresholds, Date.now() >= endsAt);
    if (waited === 'rollback') return { ...verdict, decision: 'roll back', reason: 'platform rollback asked for it' };
    if (verdict.decision !== 'wait') return verdict;
    if (!warm && Date.now() >= warmAt) warm = now;
  }
}
