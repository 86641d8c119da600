import { LogStore, parseSince, type LogFilter } from '@platform/opensearch';
import { loadLogSettings, logStoreUrl } from '../log-settings';
import { localLogs } from './logs-local';
import { storeLogs } from './logs-store';

export interface LogsOptions {
  service?: string;
  level?: string;
  since?: string;
  requestId?: string;
  follow: boolean;
  lines: number;
  /** Read the node's log files even when the store is up. */
  local: boolean;
}

/**
 * `platform logs`: asks the log search store (every node's lines, every filter) when it answers;
 * otherwise (the platform is down, or runs without its logging components) tails the local files
 * of one service, which needs a service name and supports no other filter.
 */
export async function logs(options: LogsOptions): Promise<number> {
  const settings = loadLogSettings();
  const store = new LogStore({ url: logStoreUrl(settings), indexPrefix: settings.indexPrefix, username: process.env.LOG_STORE_USERNAME, password: process.env.LOG_STORE_PASSWORD });
  try {
    if (!options.local && (await store.reachable())) {
      const filter: LogFilter = { service: options.service, level: options.level, requestId: options.requestId, since: options.since ? parseSince(options.since) : undefined };
      return await storeLogs({ store, filter, follow: options.follow, lines: options.lines });
    }
  } finally {
    await store.close();
  }
  if (options.level || options.since || options.requestId) throw new Error(`the log store at ${store.url} is not reachable; --level, --since and --request-id need it (is the platform up? OPENSEARCH_HTTP_PORT or LOG_STORE_URL set as for platform up?)`);
  if (!options.service) throw new Error(`the log store at ${store.url} is not reachable; without it, name a service to read its local log files`);
  if (!options.local) process.stderr.write(`(log store at ${store.url} not reachable: reading this node's files)\n`);
  return localLogs({ service: options.service, follow: options.follow, lines: options.lines });
}
