import { LogStore, logStoreCredentials, parseSince, type LogFilter } from '@platform/opensearch';
import { logStoreUrl } from '../log-settings';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';
import { localLogs } from './logs-local';
import { storeLogs } from './logs-store';
import { PlatformError } from '@platform/process-runner';

export interface LogsOptions {
  service?: string;
  level?: string;
  since?: string;
  requestId?: string;
  follow: boolean;
  lines: number;
  /** Read the node's log files even when the store is up. */
  local: boolean;
  json: boolean;
}

/**
 * `platform logs`: asks the log search store (every node's lines, every filter) when it answers;
 * otherwise (the platform is down, or runs without its logging components) tails the local files
 * of one service, which needs a service name and supports no other filter.
 */
export async function logs(options: LogsOptions): Promise<number> {
  const platform = loadSettings();
  const settings = platform.logs;
  // A running platform says where its store is (every node of an --ha cluster); else the settings do.
  const url = runningState(platform.stateDir)?.env.LOG_STORE_URL ?? logStoreUrl(settings);
  const store = new LogStore({ url, indexPrefix: settings.indexPrefix, ...logStoreCredentials() });
  try {
    if (!options.local && (await store.reachable())) {
      const filter: LogFilter = { service: options.service, level: options.level, requestId: options.requestId, since: options.since ? parseSince(options.since) : undefined };
      return await storeLogs({ store, filter, follow: options.follow, lines: options.lines, json: options.json });
    }
  } finally {
    await store.close();
  }
  const storeNeeded = (why: string): PlatformError =>
    new PlatformError('PLATFORM_LOG_STORE_UNREACHABLE', `the log store at ${store.url} is not reachable (is the platform up? OPENSEARCH_HTTP_PORT or LOG_STORE_URL set as for platform up?); ${why}`);
  if (options.level || options.since || options.requestId) throw storeNeeded('--level, --since and --request-id need it');
  if (!options.service) throw storeNeeded("without it, name a service to read this node's log files");
  if (!options.local) process.stderr.write(`(log store at ${store.url} not reachable: reading this node's files)\n`);
  return localLogs({ service: options.service, follow: options.follow, lines: options.lines, json: options.json });
}
