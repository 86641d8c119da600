import { PlatformError, SERVICE_NAME } from '@platform/process-runner';

/**
 * How a service's traffic is split between releases while a deploy runs: one JSON record per
 * service at `<ROLLOUT_KV_ROOT><service>`, written by `platform deploy` / `platform rollback` and
 * applied by every load-balancer controller as HAProxy server weights (no reload).
 *
 * Instances carry their release in the Consul service meta `release` (`<version>-<short hash>`).
 * With a record: instances of `candidate` get `weight` percent of the service's callers, every
 * other instance shares the rest; a caller keeps its side for the rollout's life (client id,
 * cookie), `X-Canary: always|never` forces a side. No record: every instance is equal (no split).
 * Weight 0 is "candidate started but idle" (blue-green before the switch, or a rollback), weight
 * 100 is "candidate takes everything" (blue-green after the switch, canary promoted). When the
 * side a caller belongs to has no routable instance, the other side serves it (never a 503 for a
 * split).
 *
 * The record is untrusted input for the controllers (anyone with KV write on the prefix could
 * write it): parseRolloutRecord accepts only this shape.
 */
export const ROLLOUT_KV_ROOT = 'platform/rollouts/';

export interface RolloutRecord {
  service: string;
  /** Release id of the new version (`<version>-<short hash>`), as in the instances' `release` meta. */
  candidate: string;
  /** Percent (integer 0-100) of callers sent to the candidate. */
  weight: number;
  /** Which deploy wrote it; for logs and `platform deploy status`. */
  strategy: 'canary' | 'blue-green';
  updatedAt: string;
}

/** semver-ish version, a dash and a hex content hash: only characters safe in HAProxy maps and logs. */
export const RELEASE_ID = /^[0-9A-Za-z.+_]{1,40}-[0-9a-f]{7,16}$/;

export const rolloutKey = (service: string): string => `${ROLLOUT_KV_ROOT}${service}`;

/** Parses a record read from KV; throws PLATFORM_ROLLOUT_RECORD naming the first bad field. */
export function parseRolloutRecord(text: string): RolloutRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('is not an object');
  const r = value as Record<string, unknown>;
  if (typeof r.service !== 'string' || !SERVICE_NAME.test(r.service)) throw invalid('has no valid service');
  if (typeof r.candidate !== 'string' || !RELEASE_ID.test(r.candidate)) throw invalid('has no valid candidate release');
  if (typeof r.weight !== 'number' || !Number.isInteger(r.weight) || r.weight < 0 || r.weight > 100) throw invalid('weight is not an integer 0-100');
  if (r.strategy !== 'canary' && r.strategy !== 'blue-green') throw invalid('strategy is not canary or blue-green');
  if (typeof r.updatedAt !== 'string' || Number.isNaN(Date.parse(r.updatedAt))) throw invalid('updatedAt is not a date');
  return { service: r.service, candidate: r.candidate, weight: r.weight, strategy: r.strategy, updatedAt: r.updatedAt };
}

function invalid(what: string): PlatformError {
  return new PlatformError('PLATFORM_ROLLOUT_RECORD', `the rollout record ${what}`);
}
