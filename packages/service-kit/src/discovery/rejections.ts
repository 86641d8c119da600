import { parseHealthEntry, type HealthEntry, type WatchedInstance } from './catalog-entry';

/** A catalog entry left out because a string in it is unsafe; the strings are as Consul had them. */
export interface RejectedEntry {
  service: string;
  instanceId: string;
  node: string;
  reason: string;
}

/** Splits a service's health entries into the instances to use and the entries to drop (and why). */
export function sortEntries(service: string, entries: readonly HealthEntry[]): { valid: WatchedInstance[]; dropped: RejectedEntry[] } {
  const valid: WatchedInstance[] = [];
  const dropped: RejectedEntry[] = [];
  for (const entry of entries) {
    const verdict = parseHealthEntry(entry);
    if (verdict.ok) valid.push(verdict.instance);
    else dropped.push({ service, instanceId: String(entry.Service?.ID), node: String(entry.Node?.Node), reason: verdict.reason });
  }
  return { valid, dropped };
}

/**
 * The entries dropped per service, so each is told once: when it first appears (or its reason
 * changes), not at every later change of its service. An entry that leaves is forgotten.
 */
export class Rejections {
  private readonly byService = new Map<string, Map<string, RejectedEntry>>();

  /** Records a service's dropped entries now; returns the ones not dropped before. */
  record(service: string, dropped: readonly RejectedEntry[]): RejectedEntry[] {
    const before = this.byService.get(service) ?? new Map<string, RejectedEntry>();
    const now = new Map(dropped.map((entry) => [`${entry.node}/${entry.instanceId}/${entry.reason}`, entry]));
    if (now.size > 0) this.byService.set(service, now);
    else this.byService.delete(service);
    return [...now].filter(([key]) => !before.has(key)).map(([, entry]) => entry);
  }

  forget(service: string): void {
    this.byService.delete(service);
  }

  /** Every entry dropped now, for a subscriber that joins later. */
  all(): RejectedEntry[] {
    return [...this.byService.values()].flatMap((entries) => [...entries.values()]);
  }
}
