import { crc32 } from 'node:zlib';
import { RELEASE_ID, type RolloutRecord } from '@platform/consul';
import type { WatchedInstance } from '@platform/service-kit';
import { placeable, slotStateFor } from './backend-slots';

/**
 * The pure half of traffic splitting (see docs/load-balancing.md, Traffic splitting): which side an
 * instance is on, which bucket a caller is in, and the weights each load balancer's split map holds.
 */
export type Side = 'candidate' | 'stable';

export const BUCKETS = 100;

/** A client id as the edge sets it (the API key map's value, a JWT's `sub`): the only ones hashed. */
export const CLIENT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * A caller's bucket, 0-99. HAProxy computes the same with `crc32,mod(100)` (CRC-32 as in zlib), so
 * a caller is candidate exactly when its bucket is below the weight: a rising weight only ever
 * adds callers to the candidate, never moves one back.
 */
export const bucketOf = (clientId: string): number => crc32(clientId) % BUCKETS;

/** The candidate side's backend beside each service's own `svc_<service>` (service names are [a-z0-9-]). */
export const CANDIDATE_PREFIX = 'cnd_';
export const candidateBackendName = (service: string): string => `${CANDIDATE_PREFIX}${service}`;

/** Instances of the record's candidate release are the candidate side; every other one is stable. */
export const sideOf = (instance: WatchedInstance, record: RolloutRecord | undefined): Side => (record !== undefined && instance.meta.release === record.candidate ? 'candidate' : 'stable');

export interface SplitEntry {
  service: string;
  candidate: string;
  /** The record's weight, as written. */
  weight: number;
  /** The percentage the map holds: bucket below it is candidate; by X-Canary none, always, never. */
  effective: { normal: number; always: number; never: number };
  /** Instances HAProxy may route per side (Consul passing or warning, an IP address). */
  routable: Record<Side, number>;
  /** The stable side's release when its instances share one, else `-`: for log lines. */
  stableRelease: string;
}

const routableCount = (instances: readonly WatchedInstance[]): number => instances.filter((i) => placeable(i) && slotStateFor(i.health) === 'ready').length;

/**
 * A side with no routable instance sends its callers to the other one: never a 503 because of a
 * split. With neither side routable the stable backend answers, as without a split.
 */
export function effectiveWeights(weight: number, routable: Record<Side, number>): SplitEntry['effective'] {
  const candidateUp = routable.candidate > 0;
  const stableUp = routable.stable > 0;
  return {
    normal: !candidateUp ? 0 : !stableUp ? 100 : weight,
    always: candidateUp ? 100 : 0,
    never: stableUp || !candidateUp ? 0 : 100,
  };
}

function stableReleaseOf(instances: readonly WatchedInstance[]): string {
  const releases = new Set(instances.map((i) => i.meta.release ?? ''));
  const [only] = [...releases];
  return releases.size === 1 && only !== undefined && RELEASE_ID.test(only) ? only : '-';
}

/** One entry per service that has a record and a backend here; the others are not split. */
export function planSplits(records: ReadonlyMap<string, RolloutRecord>, services: ReadonlyMap<string, readonly WatchedInstance[]>, routed: ReadonlySet<string>): SplitEntry[] {
  const entries: SplitEntry[] = [];
  for (const [service, record] of [...records].sort(([a], [b]) => a.localeCompare(b))) {
    if (!routed.has(service)) continue;
    const instances = services.get(service) ?? [];
    const candidates = instances.filter((i) => sideOf(i, record) === 'candidate');
    const stable = instances.filter((i) => sideOf(i, record) === 'stable');
    const routable = { candidate: routableCount(candidates), stable: routableCount(stable) };
    entries.push({ service, candidate: record.candidate, weight: record.weight, effective: effectiveWeights(record.weight, routable), routable, stableRelease: stableReleaseOf(stable) });
  }
  return entries;
}

/**
 * Runtime commands in two batches, so that the split map can change between them with every
 * instance routable in the backend of either the old or the new split: first everything but the
 * servers leaving rotation (`leaving`: an instance that moves to the other backend, drains, fails
 * or is gone), then those. A slot that leaves and is filled again in the same batch keeps its
 * place in the first.
 */
export function deferLeaving(commands: readonly string[], leaving: ReadonlySet<string>): { first: string[]; last: string[] } {
  const first: string[] = [];
  const last: string[] = [];
  commands.forEach((command, at) => {
    const server = /^set server (\S+) state (?:maint|drain)$/.exec(command)?.[1];
    const reused = server !== undefined && commands.slice(at + 1).some((later) => later.startsWith(`set server ${server} `));
    (server !== undefined && leaving.has(server) && !reused ? last : first).push(command);
  });
  return { first, last };
}

/** The split map's lines: `<service> <weight>:<always>:<never>:<candidate release>:<stable release>`. */
export const mapEntries = (entries: readonly SplitEntry[]): [string, string][] =>
  entries.map((e) => [e.service, `${e.effective.normal}:${e.effective.always}:${e.effective.never}:${e.candidate}:${e.stableRelease}`]);
