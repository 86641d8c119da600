import type { DeployContext, StrategyResult } from './deploy-context';
import { rolledBack } from './deploy-context';
import { notOfRelease, ofRelease, startRouted } from './fleet';
import { deleteRollout, writeRollout } from './rollout-kv';
import { drainLogged } from './rolling';

/**
 * A full new set started idle (record weight 0), every caller switched at once (weight 100), the
 * old set kept idle for `--keep` so `platform rollback` is one record write (weight 0), then
 * drained. The record goes when one set is left.
 */
export async function blueGreenDeploy(ctx: DeployContext): Promise<StrategyResult> {
  const { fleet, request, target } = ctx;
  const service = request.service;
  const blue = fleet.running(service);
  const old = notOfRelease(fleet, service, target.id);
  const consul = fleet.consul();
  await writeRollout(consul, { service, candidate: target.id, weight: 0, strategy: 'blue-green' });
  const { failure } = await startRouted(fleet, service, target, Math.max(1, old.length), request.healthTimeoutS * 1000);
  if (failure) {
    await deleteRollout(consul, service);
    ctx.decide(`green set failed: ${failure}; ${blue.id} serves everything`);
    return rolledBack(failure);
  }
  ctx.decide(`green set of ${Math.max(1, old.length)} (${target.id}) routed and idle beside ${old.length} of ${blue.id}`);
  await writeRollout(consul, { service, candidate: target.id, weight: 100, strategy: 'blue-green' });
  fleet.adopt(service, target);
  ctx.decide(`switched: every caller to ${target.id}; ${blue.id} idle for ${request.keepS} s (platform rollback ${service} switches back)`);
  ctx.keeping();
  if ((await ctx.wait(request.keepS * 1000)) === 'rollback') {
    await writeRollout(consul, { service, candidate: target.id, weight: 0, strategy: 'blue-green' });
    fleet.adopt(service, blue);
    ctx.decide(`rolled back: every caller to ${blue.id} again`);
    await Promise.all(ofRelease(fleet, service, target.id).map((i) => drainLogged(ctx, i)));
    await deleteRollout(consul, service);
    return rolledBack('platform rollback during the keep time');
  }
  await Promise.all(old.map((i) => drainLogged(ctx, i)));
  await deleteRollout(consul, service);
  ctx.decide(`keep time over: ${blue.id} drained, record deleted`);
  return { outcome: 'done' };
}
