import { jaegerIndexPrefixes } from '@platform/jaeger';
import { LogStore, logStoreCredentials } from '@platform/opensearch';
import type { LogSettings } from '../log-settings';

const HOUR_MS = 3_600_000;

export interface LogUpkeep {
  stop(): Promise<void>;
}

/**
 * What the platform keeps in the log store whoever runs it: the ingest pipeline and index template
 * (with `replicas` copies of each daily index), and retention (indices older than
 * LOG_RETENTION_DAYS are deleted now and every hour; a failure is logged and tried again). The
 * trace store's daily indices (Jaeger writes them into this store under `traceIndexPrefix`) are
 * kept as long as the logs.
 */
export async function keepLogIndices(url: string, settings: LogSettings, replicas: number, log: (message: string) => void, traceIndexPrefix?: string): Promise<LogUpkeep> {
  const store = new LogStore({ url, indexPrefix: settings.indexPrefix, replicas, ...logStoreCredentials() });
  await store.ensureTemplate();
  const traces = traceIndexPrefix ? jaegerIndexPrefixes(traceIndexPrefix).map((indexPrefix) => new LogStore({ url, indexPrefix, ...logStoreCredentials() })) : [];
  const stores = [store, ...traces];
  const applyRetention = async (): Promise<void> => {
    try {
      const deleted = (await Promise.all(stores.map((s) => s.deleteExpired(settings.retentionDays)))).flat();
      if (deleted.length > 0) log(`log retention (${settings.retentionDays} days): deleted ${deleted.join(', ')}`);
    } catch (err) {
      log(`log retention failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  await applyRetention();
  const timer = setInterval(() => void applyRetention(), HOUR_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}
