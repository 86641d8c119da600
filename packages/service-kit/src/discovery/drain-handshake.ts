import type { Logger } from '../logging/logger';
import { describeConsulError, type ConsulClient } from './consul-client';

/** The Consul service every load balancer's sync controller registers as. */
export const LB_CONTROLLER_SERVICE = 'lb-controller';

/**
 * Where controllers confirm an instance's drain: `platform/drain/<service>/<instance>/<controller>`.
 * Under the service's name, so a service's Consul token may write its own instances' keys only.
 */
export const drainPrefix = (service: string, instanceId: string): string => `platform/drain/${service}/${instanceId}/`;

/**
 * The meta of a controller that follows only some services (comma-separated): the database one
 * follows `postgres`. A controller without it follows every routed service.
 */
export const LB_FOLLOWS_ONLY_META = 'follows-only';

/**
 * Whether a controller registered with `meta` follows `service`, and so confirms its instances'
 * drains. The one rule for both sides: the controller watches what it follows, an instance waits
 * only for controllers that follow its service (the database balancer never routes an HTTP
 * instance, and waiting for its confirmation made every drain sit out the whole timeout).
 */
export function controllerFollows(meta: Readonly<Record<string, string>> | undefined, service: string): boolean {
  const only = meta?.[LB_FOLLOWS_ONLY_META];
  if (only === undefined) return service !== 'consul' && service !== LB_CONTROLLER_SERVICE;
  return only.split(',').includes(service);
}

interface HealthEntry {
  Service: { ID: string; Meta?: Record<string, string> | null };
}

/**
 * Waits until every passing load-balancer controller that follows `service` has confirmed (a key under
 * platform/drain/<service>/<instance>/) that its HAProxy no longer sends this instance new requests, or until
 * `timeoutMs`. Returns who confirmed and who did not, for the shutdown log.
 */
export async function waitForDrainConfirmations(
  consul: ConsulClient,
  service: string,
  instanceId: string,
  timeoutMs: number,
  logger: Logger,
): Promise<{ confirmed: string[]; missing: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let controllers: string[] = [];
  try {
    const entries = (await consul.health.service({ service: LB_CONTROLLER_SERVICE, passing: true })) as HealthEntry[];
    controllers = entries.filter((e) => controllerFollows(e.Service.Meta ?? undefined, service)).map((e) => e.Service.ID);
  } catch (err) {
    logger.warn('could not list load-balancer controllers; not waiting for drain confirmations', { error: describeConsulError(err) });
    return { confirmed: [], missing: [] };
  }
  const prefix = drainPrefix(service, instanceId);
  let confirmed: string[] = [];
  while (controllers.length > 0) {
    try {
      const keys = ((await consul.kv.keys({ key: prefix })) as string[] | undefined) ?? [];
      confirmed = keys.map((k) => k.slice(prefix.length));
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
export async function clearDrainConfirmations(consul: ConsulClient, service: string, instanceId: string): Promise<void> {
  await consul.kv.del({ key: drainPrefix(service, instanceId), recurse: true });
}
