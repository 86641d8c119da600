import { ROLLOUT_KV_ROOT, parseRolloutRecord, rolloutKey, type RolloutRecord } from '@platform/consul';
import { quoteForLog, startBlockingQuery, type BlockingQuery, type Logger } from '@platform/service-kit';

/** One row of `/v1/kv/<prefix>?recurse`, as Consul sends it: nothing in it is trusted yet. */
export interface KvEntry {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
}

export interface RejectedRecord {
  key: string;
  modifyIndex: number;
  reason: string;
}

/**
 * The valid records by service. A record must parse (parseRolloutRecord) and sit under the key of
 * the service it names; anything else is rejected, which for that service means no split.
 */
export function parseRolloutEntries(entries: readonly KvEntry[]): { records: Map<string, RolloutRecord>; rejected: RejectedRecord[] } {
  const records = new Map<string, RolloutRecord>();
  const rejected: RejectedRecord[] = [];
  for (const entry of entries) {
    const reject = (reason: string): void => void rejected.push({ key: entry.Key, modifyIndex: entry.ModifyIndex, reason });
    if (entry.Value === null) {
      reject('the record is empty');
      continue;
    }
    let record: RolloutRecord;
    try {
      record = parseRolloutRecord(Buffer.from(entry.Value, 'base64').toString('utf8'));
    } catch (err) {
      reject(err instanceof Error ? err.message : String(err));
      continue;
    }
    if (entry.Key !== rolloutKey(record.service)) reject('the key does not name the service the record is for');
    else records.set(record.service, record);
  }
  return { records, rejected };
}

export interface RolloutWatchOptions {
  httpAddr: string;
  token?: string;
  logger: Logger;
  onChange(records: Map<string, RolloutRecord>, index: string): void;
  onError(error: Error): void;
  onRecovered(): void;
}

/**
 * One blocking query on the whole rollout prefix for the controller (not one per service). A
 * rejected record is logged once per version of it (its key and ModifyIndex), not at every change.
 */
export function watchRollouts(options: RolloutWatchOptions): BlockingQuery {
  let logged = new Set<string>();
  return startBlockingQuery<KvEntry[]>({
    httpAddr: options.httpAddr,
    token: options.token,
    path: `/v1/kv/${ROLLOUT_KV_ROOT}?recurse=true`,
    notFound: [],
    onResult: (entries, index) => {
      const { records, rejected } = parseRolloutEntries(Array.isArray(entries) ? entries : []);
      const seen = new Set<string>();
      for (const r of rejected) {
        const id = `${r.key}@${r.modifyIndex}`;
        seen.add(id);
        if (!logged.has(id)) options.logger.warn('rollout record ignored: that service is not split', { key: quoteForLog(r.key), modifyIndex: r.modifyIndex, reason: r.reason, index });
      }
      logged = seen;
      options.onChange(records, index);
    },
    onError: (error) => options.onError(error),
    onRecovered: () => options.onRecovered(),
  });
}
