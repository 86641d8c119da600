import { Client } from '@opensearch-project/opensearch';
import { readSecretFile } from '@platform/process-runner';
import { errorGroupsQuery, parseErrorGroups, type ErrorGroupView } from './error-groups';
import { field } from './stored-field';
import { DEFAULT_INDEX_PREFIX, ECS_FIELD_MAPPINGS, expiredIndices, indexTemplate, ingestPipeline, ingestPipelineName } from './log-index';
import { buildLogQuery, LOG_SORT, type LogFilter } from './log-query';

export { field };

export interface LogStoreOptions {
  /**
   * http://host:port of OpenSearch, or of an Elasticsearch 7.x cluster in production; a cluster's
   * nodes comma-separated (the client spreads requests over them and passes over one that is down).
   */
  url: string;
  /** Copies of every log index besides its primary: 0 on a lone node, 1 on a cluster (ensureTemplate). */
  replicas?: number;
  indexPrefix?: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

export interface LogEntry {
  id: string;
  timestamp: string;
  level: string;
  service: string;
  instance: string;
  message: string;
  requestId?: string;
  /** The whole stored line. */
  source: Record<string, unknown>;
  /** Where the next page starts (search_after). */
  sort: unknown[];
}

/** The cluster as `platform status` shows it: its members and the shards no node holds. */
export interface LogStoreHealth {
  status: string;
  nodes: { name: string; ip: string; manager: boolean }[];
  unassignedShards: number;
}

/** Every node URL in a LOG_STORE_URL (one, or a cluster's comma-separated). */
export const storeNodeUrls = (url: string): string[] =>
  url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0);

export interface LogPage {
  entries: LogEntry[];
  total: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));


/**
 * An existing store's credentials: LOG_STORE_USERNAME and the password in the file
 * LOG_STORE_PASSWORD_FILE names (a secret never travels in an environment value).
 */
export function logStoreCredentials(env: NodeJS.ProcessEnv = process.env): { username?: string; password?: string } {
  const file = env.LOG_STORE_PASSWORD_FILE;
  return { username: env.LOG_STORE_USERNAME, password: file ? readSecretFile(file, 'LOG_STORE_PASSWORD_FILE') : undefined };
}

/**
 * The one module that talks to the log search store. Everything else (the CLI, the platform
 * component, tests, benchmarks) goes through it, so swapping OpenSearch for an Elasticsearch
 * cluster is a matter of LOG_STORE_URL (and credentials), not of code.
 */
export class LogStore {
  readonly url: string;
  readonly indexPrefix: string;
  private readonly replicas: number;
  private readonly client: Client;

  constructor(options: LogStoreOptions) {
    this.url = options.url;
    this.indexPrefix = options.indexPrefix ?? DEFAULT_INDEX_PREFIX;
    this.replicas = options.replicas ?? 0;
    const auth = options.username && options.password ? { username: options.username, password: options.password } : undefined;
    const nodes = storeNodeUrls(options.url);
    // A request a down node failed is tried on each of the others once.
    this.client = new Client({ nodes, auth, requestTimeout: options.requestTimeoutMs ?? 10_000, maxRetries: Math.max(1, nodes.length) });
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): LogStore | undefined {
    if (!env.LOG_STORE_URL) return undefined;
    return new LogStore({ url: env.LOG_STORE_URL, indexPrefix: env.LOG_INDEX_PREFIX, ...logStoreCredentials(env) });
  }

  private get pattern(): string {
    return `${this.indexPrefix}-*`;
  }

  async reachable(): Promise<boolean> {
    try {
      return (await this.client.ping()).statusCode === 200;
    } catch {
      return false;
    }
  }

  /** The ingest pipeline and the template every daily index is created from; safe on every start. */
  async ensureTemplate(): Promise<void> {
    await this.client.ingest.putPipeline({ id: ingestPipelineName(this.indexPrefix), body: ingestPipeline() as never });
    await this.client.indices.putIndexTemplate({ name: this.indexPrefix, body: indexTemplate(this.indexPrefix, this.replicas) as never });
    // Daily indices made before error.fingerprint was mapped get it too (adding a field is allowed),
    // so today's errors are grouped without waiting for tomorrow's index.
    await this.client.indices.putMapping({ index: this.pattern, ignore_unavailable: true, allow_no_indices: true, body: { properties: { error: { properties: { fingerprint: ECS_FIELD_MAPPINGS['error.fingerprint'] } } } } as never });
  }

  async health(): Promise<LogStoreHealth> {
    const health = (await this.client.cluster.health()).body as { status: string; unassigned_shards: number };
    const rows = (await this.client.cat.nodes({ format: 'json', h: 'name,ip,cluster_manager' } as never)).body as unknown as { name: string; ip: string; cluster_manager: string }[];
    const nodes = rows.map((r) => ({ name: r.name, ip: r.ip, manager: r.cluster_manager === '*' })).sort((a, b) => a.name.localeCompare(b.name));
    return { status: health.status, nodes, unassignedShards: health.unassigned_shards };
  }

  async search(filter: LogFilter, options: { size?: number; after?: unknown[]; newestFirst?: boolean } = {}): Promise<LogPage> {
    const sort = options.newestFirst ? LOG_SORT.map((s) => Object.fromEntries(Object.entries(s).map(([k]) => [k, { order: 'desc' }]))) : LOG_SORT;
    const res = await this.client.search({
      index: this.pattern,
      ignore_unavailable: true,
      allow_no_indices: true,
      body: { query: buildLogQuery(filter), sort, size: options.size ?? 500, track_total_hits: true, ...(options.after ? { search_after: options.after } : {}) } as never,
    });
    const hits = res.body.hits;
    const total = typeof hits.total === 'number' ? hits.total : (hits.total?.value ?? 0);
    return { total, entries: hits.hits.map((hit) => toEntry(hit._id ?? '', (hit._source ?? {}) as Record<string, unknown>, hit.sort ?? [])) };
  }

  /** Every matching line in order, page by page, up to `cap` lines. */
  async searchAll(filter: LogFilter, cap = 100_000): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    let after: unknown[] | undefined;
    while (out.length < cap) {
      const page = await this.search(filter, { size: Math.min(5_000, cap - out.length), after });
      out.push(...page.entries);
      if (page.entries.length === 0 || out.length >= page.total) break;
      after = page.entries[page.entries.length - 1]?.sort;
    }
    return out;
  }

  async count(filter: LogFilter): Promise<number> {
    const res = await this.client.count({ index: this.pattern, ignore_unavailable: true, allow_no_indices: true, body: { query: buildLogQuery(filter) } as never });
    return res.body.count;
  }

  /** Errors grouped by the kit's fingerprint, the most recently seen first (error-groups.ts). */
  async errorGroups(size = 20): Promise<ErrorGroupView[]> {
    const res = await this.client.search({ index: this.pattern, ignore_unavailable: true, allow_no_indices: true, body: errorGroupsQuery(size) as never });
    return parseErrorGroups(res.body.aggregations);
  }

  /** Makes everything indexed so far searchable now instead of at the next refresh interval. */
  async refresh(): Promise<void> {
    await this.client.indices.refresh({ index: this.pattern, ignore_unavailable: true, allow_no_indices: true });
  }

  /** Retention: deletes the daily indices older than `retentionDays`; returns their names. */
  async deleteExpired(retentionDays: number, now: Date = new Date()): Promise<string[]> {
    const res = await this.client.cat.indices({ index: this.pattern, format: 'json', h: 'index' } as never);
    const names = (res.body as unknown as { index: string }[]).map((row) => row.index);
    const expired = expiredIndices(this.indexPrefix, names, retentionDays, now);
    if (expired.length > 0) await this.client.indices.delete({ index: expired.join(',') });
    return expired;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function toEntry(id: string, source: Record<string, unknown>, sort: unknown[]): LogEntry {
  const requestId = field(source, 'http.request.id');
  return {
    id,
    timestamp: str(field(source, '@timestamp')),
    level: str(field(source, 'log.level')),
    service: str(field(source, 'service.name')),
    instance: str(field(source, 'service.node.name')),
    message: str(source.message),
    requestId: typeof requestId === 'string' ? requestId : undefined,
    source,
    sort,
  };
}
