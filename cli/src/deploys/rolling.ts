import type { DeployContext, StrategyResult } from './deploy-context';
import { rolledBack } from './deploy-context';
import { notOfRelease, ofRelease, startRouted, type FleetInstance } from './fleet';
import { deleteRollout, readRollout } from './rollout-kv';

/**
 * One new instance at a time: started, passing in Consul and routed by every load balancer, then
 * one old instance drained (the kit's drain handshake), so capacity never drops below the count.
 * A new instance that fails its check stops the deploy: the old release's count is restored first,
 * then the new instances drain.
 */
export async function rollingDeploy(ctx: DeployContext): Promise<StrategyResult> {
  const { fleet, request, target } = ctx;
  const service = request.service;
  const old = notOfRelease(fleet, service, target.id);
  const timeoutMs = request.healthTimeoutS * 1000;
  await clearStaleRollout(ctx);
  let replaced = 0;
  for (const instance of old) {
    const { started, failure } = await startRouted(fleet, service, target, 1, timeoutMs);
    const [fresh] = started;
    if (failure || !fresh) {
      ctx.decide(`new instance ${fresh?.state.id ?? '?'} failed: ${failure ?? 'not started'}; rolling back`);
      await restore(ctx, replaced);
      return rolledBack(`${failure ?? 'no instance started'}`);
    }
    ctx.decide(`${fresh.state.id} (${target.id}) passes and is routed by every load balancer (${replaced + 1}/${old.length})`);
    await drainLogged(ctx, instance);
    replaced += 1;
  }
  fleet.adopt(service, target);
  ctx.decide(old.length === 0 ? `no instance ran: new instances start from ${target.id}` : `every instance runs ${target.id}`);
  return { outcome: 'done' };
}

/** A record a canary or blue-green left when the supervisor stopped mid-deploy would keep weighting the instances. */
async function clearStaleRollout(ctx: DeployContext): Promise<void> {
  const consul = ctx.fleet.consul();
  const stale = await readRollout(consul, ctx.request.service).catch(() => 'unreadable' as const);
  if (!stale) return;
  await deleteRollout(consul, ctx.request.service);
  ctx.decide(`deleted a rollout record an interrupted deploy left (${stale === 'unreadable' ? 'unreadable' : `${stale.strategy} to ${stale.candidate} at ${stale.weight} %`})`);
}

export async function drainLogged(ctx: DeployContext, instance: FleetInstance): Promise<void> {
  const { id, release } = instance.state;
  await ctx.fleet.drain(instance);
  ctx.decide(`${id} (${release ?? 'no release'}) drained and stopped`);
}

/** Brings back `count` instances of the release that ran before, then drains the target's. */
async function restore(ctx: DeployContext, count: number): Promise<void> {
  const { fleet, request, target } = ctx;
  const previous = fleet.running(request.service);
  if (count > 0) {
    const { failure } = await startRouted(fleet, request.service, previous, count, request.healthTimeoutS * 1000);
    ctx.decide(failure ? `restoring ${count} instance(s) of ${previous.id} failed: ${failure}` : `${count} instance(s) of ${previous.id} restored and routed`);
  }
  await Promise.all(ofRelease(fleet, request.service, target.id).map((i) => drainLogged(ctx, i)));
}
