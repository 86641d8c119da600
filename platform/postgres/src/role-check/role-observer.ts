import { readFileSync } from 'node:fs';
import { Pool } from 'pg';
import type { Logger } from '@platform/service-kit';
import { LagTracker } from './lag-tracker';
import { askPatroni, LeaderLockWatch, LOCK_QUESTION_EVERY_MS } from './leader-lock';
import { observeLocal, observePrimaryLsn, type LocalObservation } from './probes';

export interface RoleReport {
  server: string;
  role: 'primary' | 'replica' | 'unknown';
  reachable: boolean;
  /** Replica only: how long and how many WAL bytes it is behind the primary; null when unknown. */
  lagMs: number | null;
  lagBytes: number | null;
  maxLagMs: number;
  replayPaused: boolean;
  upstream: { host: string; port: number; reachable: boolean } | null;
  observedAt: string | null;
  error?: string;
}

export interface RoleObserverOptions {
  server: string;
  host: string;
  port: number;
  user: string;
  passwordFile: string;
  database: string;
  maxLagMs: number;
  intervalMs: number;
  /** Patroni's REST API for this server, when Patroni runs it. */
  patroniUrl?: string;
  logger: Logger;
}

export const servesAsPrimary = (r: RoleReport): boolean => r.reachable && r.role === 'primary';
export const servesAsReplica = (r: RoleReport, maxLagMs = r.maxLagMs): boolean => r.reachable && r.role === 'replica' && r.lagMs !== null && r.lagMs <= maxLagMs;

/**
 * Watches one server every `intervalMs`: its role from pg_is_in_recovery(), and for a replica its
 * lag against the primary it streams from (found through pg_stat_wal_receiver, not configured).
 * Endpoints answer from the newest observation, so a load balancer's check never waits on SQL.
 */
export class RoleObserver {
  private readonly local: Pool;
  private upstream: { host: string; port: number; pool: Pool; reachable: boolean } | undefined;
  private tracker = new LagTracker();
  private sampledUpstream = false;
  private latest: RoleReport;
  private observedAtMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Patroni's leader lock, when Patroni runs this server: a server is primary only while it holds it. */
  private readonly lock: LeaderLockWatch | undefined;

  constructor(private readonly options: RoleObserverOptions) {
    this.local = this.pool(options.host, options.port);
    this.lock = options.patroniUrl ? new LeaderLockWatch(askPatroni(options.patroniUrl), LOCK_QUESTION_EVERY_MS) : undefined;
    this.latest = { server: options.server, role: 'unknown', reachable: false, lagMs: null, lagBytes: null, maxLagMs: options.maxLagMs, replayPaused: false, upstream: null, observedAt: null };
  }

  private pool(host: string, port: number): Pool {
    const { user, database, passwordFile } = this.options;
    const pool = new Pool({ host, port, user, database, password: () => readFileSync(passwordFile, 'utf8').trim(), max: 1, connectionTimeoutMillis: 1_000, options: '-c statement_timeout=1000', application_name: `role-check:${this.options.server}` });
    pool.on('error', () => undefined);
    return pool;
  }

  async start(): Promise<void> {
    await this.lock?.start();
    await this.tick();
  }

  report(): RoleReport {
    // A stuck observation must not keep vouching for a role it can no longer see.
    const staleAfterMs = this.options.intervalMs * 5 + 1_000;
    if (this.observedAtMs > 0 && Date.now() - this.observedAtMs > staleAfterMs) return { ...this.latest, reachable: false, error: `no observation for ${Date.now() - this.observedAtMs} ms` };
    return this.latest;
  }

  private async tick(): Promise<void> {
    const previous = this.latest;
    try {
      // The primary is sampled first: a position read before the replica's can never make an
      // up-to-date replica look behind.
      await this.sampleUpstream();
      const local = await observeLocal(this.local);
      if (local.inRecovery) this.followUpstream(local);
      this.latest = this.describe(local);
      if (this.latest.role === 'primary' && this.lock && !this.lock.holds()) {
        // Out of recovery but without the lock: a former leader on its way to demotion, or one
        // that lost Consul. It must not take writes; it is neither primary nor replica now.
        this.latest = { ...this.latest, role: 'unknown', error: 'PostgreSQL is not in recovery, but Patroni does not hold the leader lock' };
      }
    } catch (err) {
      this.latest = { ...this.latest, reachable: false, observedAt: new Date().toISOString(), error: err instanceof Error ? err.message : String(err) };
    }
    this.observedAtMs = Date.now();
    this.logTransitions(previous, this.latest);
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.options.intervalMs);
  }

  private async sampleUpstream(): Promise<void> {
    if (!this.upstream) return;
    const at = Date.now();
    try {
      const lsn = await observePrimaryLsn(this.upstream.pool);
      this.upstream.reachable = lsn !== undefined;
      if (lsn !== undefined) {
        this.tracker.recordPrimary(lsn, at);
        this.sampledUpstream = true;
      }
    } catch {
      this.upstream.reachable = false;
    }
  }

  private followUpstream(local: LocalObservation): void {
    if (!local.upstream) return;
    const { host, port } = local.upstream;
    if (this.upstream?.host === host && this.upstream.port === port) return;
    void this.upstream?.pool.end();
    this.upstream = { host, port, pool: this.pool(host, port), reachable: false };
  }

  private describe(local: LocalObservation): RoleReport {
    const base = { server: this.options.server, reachable: true, maxLagMs: this.options.maxLagMs, observedAt: new Date().toISOString(), replayPaused: local.replayPaused };
    if (!local.inRecovery) {
      // Promoted (or always primary): lag samples of a former upstream mean nothing now.
      this.tracker = new LagTracker();
      this.sampledUpstream = false;
      return { ...base, role: 'primary', lagMs: null, lagBytes: null, upstream: null };
    }
    const replayed = local.replayLsn ?? 0n;
    const upstream = this.upstream ? { host: this.upstream.host, port: this.upstream.port, reachable: this.upstream.reachable } : null;
    if (!this.sampledUpstream) {
      // The primary was never reachable since start: all we can say is whether everything received is replayed.
      const caughtUp = !local.replayPaused && local.receiveLsn !== undefined && replayed >= local.receiveLsn;
      return { ...base, role: 'replica', lagMs: caughtUp ? 0 : null, lagBytes: null, upstream };
    }
    const now = Date.now();
    return { ...base, role: 'replica', lagMs: this.tracker.lagMs(replayed, now), lagBytes: this.tracker.lagBytes(replayed), upstream };
  }

  private logTransitions(before: RoleReport, after: RoleReport): void {
    const { logger } = this.options;
    if (before.reachable !== after.reachable) {
      if (after.reachable) logger.info('postgres reachable', { server: after.server, role: after.role });
      else logger.warn('postgres unreachable', { server: after.server, error: after.error });
    }
    if (after.reachable && before.role !== after.role) logger.info('postgres role observed', { server: after.server, from: before.role, to: after.role });
    if (after.role === 'replica' && servesAsReplica(before) !== servesAsReplica(after)) {
      logger.info(servesAsReplica(after) ? 'replica lag back under the bound' : 'replica lag over the bound', { server: after.server, lagMs: after.lagMs, lagBytes: after.lagBytes, maxLagMs: after.maxLagMs });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([this.local.end(), this.upstream?.pool.end(), this.lock?.stop()]);
  }
}
