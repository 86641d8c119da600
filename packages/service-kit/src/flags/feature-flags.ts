import { Counter, Gauge } from 'prom-client';
import { quoteForLog } from '../discovery/catalog-entry';
import type { Logger } from '../logging/logger';
import { requestContext } from '../logging/request-context';
import type { ServiceMetrics } from '../metrics/registry';
import { inRollout } from './flag-hash';
import { describeFlagValue, FLAG_NAME, flagPercent, FLAGS_KV_ROOT, FlagValueError, parseFlagValue, type FlagValue } from './flag-value';

/** One key of a recursive KV read, as Consul returns it (Value is base64, null for a folder key). */
export interface KvEntry {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
}

export interface FlagCheck {
  /** Whose answer a percentage flag gives; by default the client the edge named for the current request. */
  clientId?: string;
  /** The answer while the flag does not exist (never written, deleted, or only ever written badly). */
  default?: boolean;
}

/**
 * The flags an instance holds in memory: service code asks `flags.enabled('new-checkout')` on every
 * request without touching Consul; the kit's watch (flags-watch.ts) feeds `apply` with each new
 * state of the prefix. A bad record never replaces a good value: it is logged and the last good
 * value stays.
 */
export class FeatureFlags {
  private readonly values = new Map<string, FlagValue>();
  /** ModifyIndex of every key already judged, so an unchanged bad record is reported once, not at every change of another flag. */
  private readonly judged = new Map<string, number>();
  private readonly current: Gauge<'flag'>;
  private readonly evaluations: Counter<'flag' | 'result'>;

  constructor(
    private readonly logger: Logger,
    metrics: ServiceMetrics,
  ) {
    this.current = new Gauge({ name: 'kit_feature_flag_percent', help: 'Share of callers (0-100) each feature flag is on for, as this instance holds it', labelNames: ['flag'] as const, registers: [metrics.registry] });
    this.evaluations = new Counter({ name: 'kit_feature_flag_evaluations_total', help: 'Feature flag answers given to service code, by flag and answer', labelNames: ['flag', 'result'] as const, registers: [metrics.registry] });
  }

  /** Whether `name` is on for this caller: a boolean flag for everybody, a percentage flag by the client id's stable bucket. */
  enabled(name: string, check: FlagCheck = {}): boolean {
    if (!FLAG_NAME.test(name)) throw new TypeError(`${JSON.stringify(name)} is not a feature flag name (lower-case letters, digits and dashes, starting with a letter)`);
    const on = answer(name, this.values.get(name), check);
    this.evaluations.inc({ flag: name, result: on ? 'on' : 'off' });
    return on;
  }

  /** Every flag this instance holds now, by name. */
  list(): Record<string, FlagValue> {
    return Object.fromEntries([...this.values.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The prefix's whole content at Consul index `consulIndex`: changes, removals and rejected records are logged with it. */
  apply(entries: readonly KvEntry[], consulIndex: string): void {
    const present = new Set<string>();
    for (const entry of entries) {
      const name = entry.Key.startsWith(FLAGS_KV_ROOT) ? entry.Key.slice(FLAGS_KV_ROOT.length) : entry.Key;
      present.add(name);
      if (this.judged.get(name) === entry.ModifyIndex) continue;
      this.judged.set(name, entry.ModifyIndex);
      this.judge(name, entry, consulIndex);
    }
    for (const name of [...this.judged.keys()]) {
      if (present.has(name)) continue;
      this.judged.delete(name);
      const before = this.values.get(name);
      if (!before) continue;
      this.values.delete(name);
      this.current.remove({ flag: name });
      this.logger.info('feature flag removed', { flag: name, from: describeFlagValue(before), 'consul.index': consulIndex });
    }
  }

  private judge(name: string, entry: KvEntry, consulIndex: string): void {
    if (entry.Value === null && entry.Key.endsWith('/')) return; // a folder made by hand in the UI: nothing to read
    let value: FlagValue;
    try {
      if (!FLAG_NAME.test(name)) throw new FlagValueError('has a key that is not a flag name');
      value = parseFlagValue(Buffer.from(entry.Value ?? '', 'base64').toString('utf8'));
    } catch (err) {
      const kept = this.values.get(name);
      this.logger.warn('feature flag record rejected; the last good value stays', {
        flag: FLAG_NAME.test(name) ? name : quoteForLog(name),
        reason: err instanceof FlagValueError ? `the record ${err.message}` : String(err),
        kept: kept ? describeFlagValue(kept) : 'none',
        'consul.index': consulIndex,
      });
      return;
    }
    const before = this.values.get(name);
    if (before && describeFlagValue(before) === describeFlagValue(value)) return;
    this.values.set(name, value);
    this.current.set({ flag: name }, flagPercent(value));
    this.logger.info('feature flag changed', { flag: name, from: before ? describeFlagValue(before) : 'none', to: describeFlagValue(value), 'consul.index': consulIndex });
  }
}

function answer(name: string, value: FlagValue | undefined, check: FlagCheck): boolean {
  if (value === undefined) return check.default ?? false;
  if (value.type === 'boolean') return value.on;
  const clientId = check.clientId ?? requestContext.current()?.clientId;
  // Nobody to place in a bucket: only "everybody" includes them.
  return clientId === undefined ? value.percent === 100 : inRollout(name, clientId, value.percent);
}
