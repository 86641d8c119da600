import { jitteredBackoffMs } from '../util/backoff';
import { startBlockingQuery, type BlockingQuery } from './blocking-query';
import { CheckIndex, NameIndex, type StateCheck } from './catalog-changes';
import { parseHealthEntry, SERVICE_NAME, type HealthEntry, type WatchedInstance } from './catalog-entry';
import { ConsulRequestError, consulGet, consulPool } from './consul-http';

/** A catalog entry left out because a string in it is unsafe; the strings are as Consul had them. */
export interface RejectedEntry {
  service: string;
  instanceId: string;
  node: string;
  reason: string;
}

export interface CatalogUpdate {
  /** Services whose valid instances changed; a service that left the catalog maps to [] and is in `removed`. */
  services: ReadonlyMap<string, WatchedInstance[]>;
  removed: ReadonlySet<string>;
  /** The Consul index the update reflects, and when its first change was seen (ms since epoch). */
  index: string;
  observedAt: number;
}

export interface CatalogSubscriber {
  include(service: string): boolean;
  /** What changed among the services this subscriber includes (everything on the first call). */
  onChange(update: CatalogUpdate): void;
  /** An entry dropped at the boundary: told once per entry, not at every change. */
  onRejected?(entry: RejectedEntry): void;
  onError?(error: Error): void;
  onRecovered?(): void;
}

/** Health fetches asked for at once; they share the one connection the blocking queries leave free. */
const FETCH_CONCURRENCY = 2;
/**
 * Two blocking queries and one connection for everything else: with the kit's client (one more,
 * see createConsulClient) a process holds at most four connections to its agent.
 */
const WATCHER_CONNECTIONS = 3;

/**
 * Follows the whole catalog with two blocking queries whatever its size, and fetches (a few at a
 * time, without blocking) only the services a change touched and a subscriber wants. One per
 * agent address and token in a process; every subscriber of the process shares it.
 */
export class CatalogWatcher {
  private readonly subscribers = new Map<CatalogSubscriber, { fresh: boolean }>();
  private readonly instances = new Map<string, WatchedInstance[]>();
  private readonly rejected = new Map<string, Map<string, RejectedEntry>>();
  private readonly checks = new CheckIndex();
  private readonly names = new NameIndex();
  private readonly dirty = new Set<string>();
  private readonly changed = new Set<string>();
  private catalogIndex = 0;
  private loaded = { catalog: false, state: false };
  private inFlight = 0;
  private fetchFailures = 0;
  private observedAt = Date.now();
  private readonly queries: BlockingQuery[];
  private readonly stopped = new AbortController();
  private readonly pool = consulPool(WATCHER_CONNECTIONS);

  constructor(
    private readonly httpAddr: string,
    private readonly token: string | undefined,
    waitSeconds = 30,
  ) {
    const report = {
      onError: (error: Error) => this.each((s) => s.onError?.(error)),
      onRecovered: () => this.each((s) => s.onRecovered?.()),
    };
    this.queries = [
      startBlockingQuery<StateCheck[]>({ httpAddr, token, waitSeconds, pool: this.pool, path: '/v1/health/state/any', ...report, onResult: (checks, index) => this.onChecks(checks, Number(index)) }),
      startBlockingQuery<Record<string, string[]>>({ httpAddr, token, waitSeconds, pool: this.pool, path: '/v1/catalog/services', ...report, onResult: (names, index) => this.onNames(names, Number(index)) }),
    ];
  }

  subscribe(subscriber: CatalogSubscriber): () => void {
    this.subscribers.set(subscriber, { fresh: true });
    for (const name of this.names.names()) if (subscriber.include(name) && !this.instances.has(name)) this.dirty.add(name);
    for (const [service, entries] of this.rejected) if (subscriber.include(service)) for (const entry of entries.values()) subscriber.onRejected?.(entry);
    queueMicrotask(() => this.pump());
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  get idle(): boolean {
    return this.subscribers.size === 0;
  }

  private wanted(service: string): boolean {
    return [...this.subscribers.keys()].some((s) => s.include(service));
  }

  private each(call: (s: CatalogSubscriber) => void): void {
    for (const subscriber of this.subscribers.keys()) call(subscriber);
  }

  private markDirty(services: Iterable<string>): void {
    if (this.dirty.size === 0 && this.inFlight === 0) this.observedAt = Date.now();
    for (const service of services) if (this.names.has(service) || this.instances.has(service)) this.dirty.add(service);
  }

  private onChecks(checks: StateCheck[], index: number): void {
    this.markDirty(this.checks.update(checks, index));
    this.loaded.state = true;
    this.pump();
  }

  private onNames(catalog: Record<string, string[]>, index: number): void {
    const { changed, removed } = this.names.update(catalog);
    const previous = this.catalogIndex;
    this.catalogIndex = index;
    for (const name of removed) {
      this.instances.delete(name);
      this.rejected.delete(name);
      this.changed.add(name);
    }
    this.markDirty(changed);
    if (this.loaded.catalog && changed.size === 0 && removed.size === 0) void this.explainCatalogMove(previous, index);
    this.loaded.catalog = true;
    this.pump();
  }

  /**
   * The registrations moved but no name or tag did: either the move touched checks too (a new or
   * re-registered instance, which the checks' answer names) or it changed only meta or an address,
   * which nothing names; then every followed service is fetched again.
   */
  private async explainCatalogMove(from: number, to: number): Promise<void> {
    try {
      if (this.checks.index < to) {
        const answer = await consulGet<StateCheck[]>(this.httpAddr, '/v1/health/state/any', { token: this.token, signal: this.stopped.signal, pool: this.pool });
        this.markDirty(this.checks.update(answer.body, Number(answer.index)));
      }
      if (this.checks.lastCheckChange <= from) this.markDirty(this.instances.keys());
    } catch {
      // The blocking queries report the outage; the next catalog move explains itself again.
      this.markDirty(this.instances.keys());
    }
    this.pump();
  }

  /** Starts fetches up to the bound; when nothing is left to fetch, tells subscribers what changed. */
  private pump(): void {
    if (this.stopped.signal.aborted) return;
    for (const service of [...this.dirty]) {
      if (this.inFlight >= FETCH_CONCURRENCY) return;
      this.dirty.delete(service);
      if (!this.wanted(service) || !this.names.has(service)) continue;
      if (!SERVICE_NAME.test(service)) {
        this.rejectName(service);
        continue;
      }
      this.inFlight += 1;
      void this.fetch(service).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
    if (this.inFlight === 0 && this.dirty.size === 0 && this.loaded.catalog && this.loaded.state) this.emit();
  }

  private async fetch(service: string): Promise<void> {
    try {
      const answer = await consulGet<HealthEntry[]>(this.httpAddr, `/v1/health/service/${encodeURIComponent(service)}`, { token: this.token, signal: this.stopped.signal, pool: this.pool });
      this.fetchFailures = 0;
      if (this.names.has(service)) this.accept(service, answer.body);
    } catch (err) {
      if (this.stopped.signal.aborted) return;
      this.each((s) => s.onError?.(err instanceof Error ? err : new Error(String(err))));
      // A question Consul calls malformed gets the same answer again: the next change asks anew.
      if (err instanceof ConsulRequestError && err.status !== undefined && err.status < 500 && err.kind !== 'refused') return;
      this.fetchFailures += 1;
      await new Promise((resolve) => setTimeout(resolve, jitteredBackoffMs(this.fetchFailures, { firstMs: 200 })));
      this.dirty.add(service);
    }
  }

  /**
   * A name that is not a service name is not even asked for (Consul itself refuses some of them):
   * its instances, as the checks name them, are told to subscribers once, and it is not followed.
   */
  private rejectName(service: string): void {
    const reason = 'service name is not [a-z0-9-] (at most 63 characters)';
    const known = this.checks.instancesOf(service);
    // The checks may not have caught up with the name yet: their answer brings the instances.
    if (known.length === 0 && this.checks.index < this.catalogIndex) return;
    const instances = known.length > 0 ? known : [{ node: '', id: '' }];
    this.remember(service, instances.map(({ node, id }) => ({ service, instanceId: id, node, reason })));
  }

  /** Records a service's dropped entries; one that was not dropped before is told to subscribers. */
  private remember(service: string, dropped: RejectedEntry[]): void {
    const before = this.rejected.get(service) ?? new Map<string, RejectedEntry>();
    const now = new Map(dropped.map((entry) => [`${entry.node}/${entry.instanceId}/${entry.reason}`, entry]));
    for (const [key, entry] of now) if (!before.has(key)) this.each((s) => (s.include(service) ? s.onRejected?.(entry) : undefined));
    if (now.size > 0) this.rejected.set(service, now);
    else this.rejected.delete(service);
  }

  /** Keeps the valid entries of a service; a dropped one is told to subscribers once. */
  private accept(service: string, entries: HealthEntry[]): void {
    const valid: WatchedInstance[] = [];
    const dropped: RejectedEntry[] = [];
    for (const entry of entries) {
      const verdict = parseHealthEntry(entry);
      if (verdict.ok) valid.push(verdict.instance);
      else dropped.push({ service, instanceId: String(entry.Service?.ID), node: String(entry.Node?.Node), reason: verdict.reason });
    }
    this.remember(service, dropped);
    const previous = this.instances.get(service);
    // A service none of whose entries is valid is not followed at all: not even its name is rendered.
    if (valid.length === 0 && dropped.length > 0) {
      if (previous) this.changed.add(service);
      this.instances.delete(service);
      return;
    }
    if (!previous || JSON.stringify(previous) !== JSON.stringify(valid)) this.changed.add(service);
    this.instances.set(service, valid);
  }

  private emit(): void {
    const index = String(Math.max(this.catalogIndex, this.checks.index));
    for (const [subscriber, state] of this.subscribers) {
      const services = new Map<string, WatchedInstance[]>();
      const source = state.fresh ? this.instances.keys() : this.changed;
      for (const name of source) if (subscriber.include(name)) services.set(name, this.instances.get(name) ?? []);
      if (services.size === 0 && !state.fresh) continue;
      state.fresh = false;
      const removed = new Set([...services.keys()].filter((name) => !this.instances.has(name)));
      subscriber.onChange({ services, removed, index, observedAt: this.observedAt });
    }
    this.changed.clear();
  }

  stop(): void {
    this.stopped.abort();
    for (const query of this.queries) query.stop();
    void this.pool.close();
  }
}
