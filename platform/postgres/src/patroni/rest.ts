import { PlatformError } from '@platform/process-runner';
import type { RestCredentials } from '../secrets';

/** What Patroni's REST API says about one member (GET /patroni). */
export interface MemberStatus {
  state: string;
  role: 'master' | 'primary' | 'replica' | 'standby_leader' | string;
  timeline?: number;
  /** Replica: positions in bytes. */
  xlog?: { location?: number; received_location?: number; replayed_location?: number };
  /** Present (true) when the cluster has no leader. */
  cluster_unlocked?: boolean;
  /** Patroni itself: its version and the cluster's name (scope). */
  patroni?: { version?: string; scope?: string };
}

/** One member as GET /cluster lists it. */
export interface ClusterMember {
  name: string;
  role: string;
  state: string;
  host: string;
  port: number;
  api_url?: string;
  timeline?: number;
  lag?: number | string;
}

export const isLeaderRole = (role: string): boolean => role === 'master' || role === 'primary' || role === 'leader';

/**
 * A small client for one member's REST API. Reads need no credentials; every change (PATCH/POST)
 * sends the REST API's basic credentials, which Patroni requires (config.ts), when the client has
 * them — without, Patroni answers 401 and the call fails with PLATFORM_PATRONI_REFUSED.
 */
export class PatroniRest {
  constructor(
    readonly baseUrl: string,
    private readonly credentials?: RestCredentials,
  ) {}

  private async call(method: string, path: string, body?: unknown, timeoutMs = 5_000): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (method !== 'GET' && this.credentials) {
      headers.authorization = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  }

  async status(): Promise<MemberStatus> {
    const { text } = await this.call('GET', '/patroni');
    return JSON.parse(text) as MemberStatus;
  }

  async cluster(): Promise<ClusterMember[]> {
    const { text } = await this.call('GET', '/cluster');
    return (JSON.parse(text) as { members?: ClusterMember[] }).members ?? [];
  }

  /** 200 only where this member holds the leader lock and its PostgreSQL runs. */
  async isPrimary(timeoutMs = 1_000): Promise<boolean> {
    return (await this.call('GET', '/primary', undefined, timeoutMs)).status === 200;
  }

  /** The cluster's dynamic configuration as Patroni last read it from Consul (ttl, synchronous_mode, ...). */
  async config(timeoutMs = 1_000): Promise<Record<string, unknown>> {
    const { status, text } = await this.call('GET', '/config', undefined, timeoutMs);
    if (status !== 200) throw new Error(`Patroni answered ${status} for its configuration`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** Changes the cluster's dynamic configuration (kept in Consul). */
  async patchConfig(change: Record<string, unknown>): Promise<void> {
    const res = await this.call('PATCH', '/config', change);
    if (res.status !== 200) throw new PlatformError('PLATFORM_PATRONI_REFUSED', `Patroni refused the configuration change (${res.status}): ${res.text}`);
  }

  /** Planned: `leader` steps down once `candidate` (or the best replica) has caught up. */
  async switchover(leader: string, candidate?: string): Promise<string> {
    return this.expectOk('switchover', await this.call('POST', '/switchover', { leader, ...(candidate ? { candidate } : {}) }, 60_000));
  }

  /** Forced: promotes `candidate` whatever the leader's state. */
  async failover(candidate: string): Promise<string> {
    return this.expectOk('failover', await this.call('POST', '/failover', { candidate }, 60_000));
  }

  /** Rebuilds this member (a replica) from the leader. */
  async reinit(): Promise<string> {
    return this.expectOk('reinit', await this.call('POST', '/reinitialize', { force: true }, 60_000));
  }

  private expectOk(what: string, res: { status: number; text: string }): string {
    if (res.status !== 200 && res.status !== 202) throw new PlatformError('PLATFORM_PATRONI_REFUSED', `Patroni refused the ${what} (${res.status}): ${res.text.trim()}`);
    return res.text.trim();
  }
}
