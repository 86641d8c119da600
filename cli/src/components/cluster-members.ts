import type { PlatformSettings } from '../settings';
import { keepRunning, type KeptProcess, type RestartOptions, type StartedProcess } from './restart-on-exit';

/** One member of a local cluster (`platform up --ha`): its number from 1, its name and its own loopback address. */
export interface ClusterMember {
  index: number;
  name: string;
  host: string;
}

/** The members of a local cluster of `prefix`es, one per --ha address (PLATFORM_HA_ADDRESSES). */
export function clusterMembers(settings: PlatformSettings, prefix: string): ClusterMember[] {
  return (settings.ha?.addresses ?? []).map((host, i) => ({ index: i + 1, name: `${prefix}-${i + 1}`, host }));
}

/**
 * Starts every member at once, each kept running as keepRunning keeps a lone process (a member
 * killed is started again on its data, and rejoins): the first members of a new cluster wait for
 * a quorum of the others before they serve, so one after the other would never finish. If one
 * cannot start, those that did are stopped and the error is the caller's.
 */
export async function keepMembersRunning<P extends StartedProcess>(
  members: readonly ClusterMember[],
  start: (member: ClusterMember) => Promise<P>,
  options: Omit<RestartOptions, 'exited' | 'restart'>,
): Promise<KeptProcess<P>[]> {
  const started = await Promise.allSettled(members.map((m) => keepRunning(() => start(m), { ...options, name: `${options.name} ${m.name} (${m.host})` })));
  const kept = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(kept.map((k) => k.stop(5_000)));
    throw failed.reason;
  }
  return kept;
}

/** Stops every member together (each stop waits for its own process). */
export const stopMembers = async (kept: readonly KeptProcess<StartedProcess>[], graceMs: number): Promise<void> => {
  await Promise.all(kept.map((k) => k.stop(graceMs)));
};
