import { jitteredBackoffMs, sleep } from '../util/backoff';
import { startBlockingQuery, type BlockingQuery } from './blocking-query';
import { NameIndex, ProblemChecks, readRegistrations, Registrations, type RegistrationIndexes, type StateCheck } from './catalog-changes';
import { SERVICE_NAME, type HealthEntry, type WatchedInstance } from './catalog-entry';
import { ConsulRequestError, consulGet, consulPool } from './consul-http';
import { PacedRead } from './paced-read';
import { Rejections, sortEntries, type RejectedEntry } from './rejections';

import type { CatalogSubscriber } from './catalog-subscriber';

export type { RejectedEntry } from './rejections';
export type { CatalogSubscriber, CatalogUpdate } from './catalog-subscriber';

/** Health fetches asked for at once; they share the one connection the blocking queries leave free. */
const FETCH_CONCURRENCY = 2;
/**
 * Two blocking queries and one connection for everything else: with the kit's client (one more,
 * see createConsulClient) a process holds at most four connections to its agent.
 */
const WATCHER_CONNECTIONS = 3;
/** Only the checks that are not passing: a small answer however large the catalog, which moves at every flip. */
const PROBLEM_CHECKS = `/v1/health/state/any?filter=${encodeURIComponent('Status != "passing"')}`;

/**
 * Follows the whole catalog with two blocking queries whatever its size, and fetches (a few at a
 * time, without blocking) only the services a change touched and a subscriber wants. One per
 * agent address and token in a process; every subscriber of the process shares it.
 */
export class CatalogWatcher {
  private readonly subscribers = new Map<CatalogSubscriber, { fresh: boolean }>();
  private readonly instances = new Map<string, WatchedInstance[]>();
  private readonly rejected = new Rejections();
  private readonly problems = new ProblemChecks();
  private readonly names = new NameIndex();
  private readonly registrations = new Registrations();
  /** Per followed service, the registrations its last fetch saw (valid or not). */
  private readonly fetched = new Map<string, RegistrationIndexes>();
  /** The slow path: every registration, read when they move (see compareRegistrations). */
  private readonly registrationRead = new PacedRead(() => this.compareRegistrations());
  /** The catalog index the last registrations read started at. */
  private registrationsIndex = 0;
  /** The failing checks named a service since the registrations last moved: that move is likely explained. */
  private checksMoved = false;
  private readonly dirty = new Set<string>();
  private readonly changed = new Set<string>();
  private catalogIndex = 0;
  private checksIndex = 0;
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
      startBlockingQuery<StateCheck[]>({ httpAddr, token, waitSeconds, pool: this.pool, path: PROBLEM_CHECKS, ...report, onResult: (checks, index) => this.onChecks(checks, Number(index)) }),
      startBlockingQuery<Record<string, string[]>>({ httpAddr, token, waitSeconds, pool: this.pool, path: '/v1/catalog/services', ...report, onResult: (names, index) => this.onNames(names, Number(index)) }),
    ];
  }

  subscribe(subscriber: CatalogSubscriber): () => void {
    this.subscribers.set(subscriber, { fresh: true });
    for (const name of this.names.names()) if (subscriber.include(name) && !this.instances.has(name)) this.dirty.add(name);
    for (const entry of this.rejected.all()) if (subscriber.include(entry.service)) subscriber.onRejected?.(entry);
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
    this.checksIndex = index;
    const changed = this.problems.update(checks);
    if (changed.services.size > 0) this.checksMoved = true;
    this.markDirty(changed.services);
    if (changed.nodes.size > 0) {
      for (const [service, instances] of this.instances) if (instances.some((i) => changed.nodes.has(i.node))) this.markDirty([service]);
    }
    this.loaded.state = true;
    this.pump();
  }

  private onNames(catalog: Record<string, string[]>, index: number): void {
    const { changed, removed } = this.names.update(catalog);
    this.catalogIndex = index;
    for (const name of removed) {
      this.instances.delete(name);
      this.fetched.delete(name);
      this.rejected.forget(name);
      this.changed.add(name);
    }
    this.markDirty(changed);
    this.loaded.catalog = true;
    // A kit instance arriving or leaving moves its checks too, which already fetch it: the read of
    // every registration is then only a safety net, at a relaxed pace. A name that cannot be asked
    // about is known only through that read, which then comes at the usual pace.
    const explained = changed.size > 0 || removed.size > 0 || this.checksMoved;
    this.registrationRead.request(explained && [...changed].every((name) => SERVICE_NAME.test(name)));
    this.checksMoved = false;
    this.pump();
  }

  /**
   * The registrations moved: reads every node's (one request per node) to find the instances that
   * came, went or changed without a failing check saying so: one registered already passing, one
   * deregistered while passing, one registered again with another address or meta. A kit instance
   * starts critical, so its arrival and its first pass are seen at once through the failing checks;
   * this read is the slower path, paced (PacedRead) because each one costs the whole catalog's
   * registrations.
   */
  private async compareRegistrations(): Promise<void> {
    this.registrationsIndex = this.catalogIndex;
    try {
      this.registrations.replace(await readRegistrations(async (path) => (await consulGet(this.httpAddr, path, { token: this.token, signal: this.stopped.signal, pool: this.pool })).body));
      this.markDirty([...this.fetched.keys()].filter((service) => this.registrations.differ(service, this.fetched.get(service))));
      this.markDirty(this.registrations.services().filter((service) => !this.fetched.has(service) && this.wanted(service)));
    } catch {
      // The blocking queries report an outage; the next move of the registrations reads them again.
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
      await sleep(jitteredBackoffMs(this.fetchFailures, { firstMs: 200 }));
      this.dirty.add(service);
    }
  }

  /**
   * A name that is not a service name is not even asked for (Consul itself refuses some of them):
   * its instances, as the checks name them, are told to subscribers once, and it is not followed.
   */
  private rejectName(service: string): void {
    const reason = 'service name is not [a-z0-9-] (at most 63 characters)';
    const known = this.registrations.instancesOf(service);
    // The registrations may not have been read since the name appeared: that read brings the instances.
    if (known.length === 0 && (this.registrationRead.pending || this.registrationsIndex < this.catalogIndex)) return;
    const instances = known.length > 0 ? known : [{ node: '', id: '' }];
    this.remember(service, instances.map(({ node, id }) => ({ service, instanceId: id, node, reason })));
  }

  /** Tells subscribers following `service` of its entries dropped now and not before. */
  private remember(service: string, dropped: RejectedEntry[]): void {
    for (const entry of this.rejected.record(service, dropped)) this.each((s) => (s.include(service) ? s.onRejected?.(entry) : undefined));
  }

  /** Keeps the valid entries of a service; a dropped one is told to subscribers once. */
  private accept(service: string, entries: HealthEntry[]): void {
    this.fetched.set(service, new Map(entries.map((e) => [`${String(e.Node?.Node)}/${String(e.Service?.ID)}`, Number(e.Service?.ModifyIndex)])));
    const { valid, dropped } = sortEntries(service, entries);
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
    const index = String(Math.max(this.catalogIndex, this.checksIndex));
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
    this.registrationRead.stop();
    for (const query of this.queries) query.stop();
    void this.pool.close();
  }
}
