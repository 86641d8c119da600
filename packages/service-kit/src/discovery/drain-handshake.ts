import type { Logger } from '../logging/logger';
import { describeConsulError, type ConsulClient } from './consul-client';

/** The Consul service every load balancer's sync controller registers as. */
export const LB_CONTROLLER_SERVICE = 'lb-controller';

export const drainPrefix = (instanceId: string): string => `platform/drain/${instanceId}/`;

interface HealthEntry {
  Service: { ID: string };
}

/**
 * Waits until every passing load-balancer controller has confirmed (a key under
 * platform/drain/<instance>/) that its HAProxy no longer sends this instance new requests, or until
 * `timeoutMs`. Returns who confirmed and who did not, for the shutdown log.
 */
export async function waitForDrainConfirmations(
  consul: ConsulClient,
  instanceId: string,
  timeoutMs: number,
  logger: Logger,
): Promise<{ confirmed: string[]; missing: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let controllers: string[] = [];
  try {
    const entries = (await consul.health.service({ service: LB_CONTROLLER_SERVICE, passing: true })) as HealthEntry[];
    controllers = entries.map((e) => e.Service.ID);
  } catch (err) {
    logger.warn('could not list load-balancer controllers; not waiting for drain confirmations', { error: describeConsulError(err) });
    return { confirmed: [], missing: [] };
  }
  let confirmed: string[] = [];
  while (controllers.length > 0) {
    try {
      const keys = ((await consul.kv.keys({ key: drainPrefix(instanceId) })) as string[] | undefined) ?? [];
      confirmed = keys.map((k) => k.slice(drainPrefix(instanceId).length));
    } catch (err) {
      // 404 (no key yet) and transient errors alike: ask again until the deadline.
      if (!/not found|404/i.test(describeConsulError(err))) logger.debug('drain confirmation query failed', { error: describeConsulError(err) });
    }
    if (controllers.every((c) => confirmed.includes(c)) || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { confirmed, missing: controllers.filter((c) => !confirmed.includes(c)) };
}

/** Removes this instance's confirmations once it is gone, so the KV store does not grow. */
export async function clearDrainConfirmations(consul: ConsulClient, instanceId: string): Promise<void> {
  await consul.kv.del({ key: drainPrefix(instanceId), recurse: true });
}
