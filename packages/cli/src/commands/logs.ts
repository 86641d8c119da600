import { LogStore, parseSince, type LogFilter } from '@platform/opensearch';
import { defineCommand, intFlag, UsageError } from '../command/command';
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
  json: boolean;
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
      return await storeLogs({ store, filter, follow: options.follow, lines: options.lines, json: options.json });
    }
  } finally {
    await store.close();
  }
  if (options.level || options.since || options.requestId) throw new Error(`the log store at ${store.url} is not reachable; --level, --since and --request-id need it (is the platform up? OPENSEARCH_HTTP_PORT or LOG_STORE_URL set as for platform up?)`);
  if (!options.service) throw new Error(`the log store at ${store.url} is not reachable; without it, name a service to read its local log files`);
  if (!options.local) process.stderr.write(`(log store at ${store.url} not reachable: reading this node's files)\n`);
  return localLogs({ service: options.service, follow: options.follow, lines: options.lines, json: options.json });
}

export const logsCommand = defineCommand({
  name: 'logs',
  args: '[<service>]',
  maxPositionals: 1,
  summary: "search every service's logs in the log store, one request across services, and follow them",
  description: `Asks the log search store (OpenSearch, or LOG_STORE_URL) for the newest lines, in time order;
with --request-id every line of that request across services. Without the store (or with --local),
tails the named service's local files under the state folder.`,
  options: {
    service: { type: 'string', short: 's', value: 'service', description: "only this service's lines (same as the argument)" },
    level: { type: 'string', short: 'l', value: 'level', description: 'only lines of this level (error, warn, info, ...)' },
    since: { type: 'string', value: 'duration', description: 'only lines newer than this: 30s, 15m, 2h, 1d' },
    'request-id': { type: 'string', short: 'r', value: 'id', description: 'every line of one request, across services' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
    lines: { type: 'string', short: 'n', value: 'count', description: 'how many of the newest lines to show first (default 50)' },
    local: { type: 'boolean', description: "read this node's log files even when the store answers" },
  },
  examples: ['logs -n 5', 'logs orders -f', 'logs --request-id 3f2a9c1e-7b1d-4c55-9f0e-2d8f1c6b7a10', 'logs users --level error --since 1h --json'],
  json: 'lines',
  run({ values, positionals, json }) {
    if (values.service && positionals[0] && values.service !== positionals[0]) throw new UsageError(`two services named: ${positionals[0]} and --service ${values.service}`);
    const lines = intFlag('lines', values.lines, 0, 100_000) ?? 50;
    return logs({ service: values.service ?? positionals[0], level: values.level, since: values.since, requestId: values['request-id'], follow: values.follow ?? false, lines, local: values.local ?? false, json });
  },
});
