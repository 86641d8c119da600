import { sleep } from '@platform/process-runner';
import { OutageReport } from '@platform/service-kit';
import type { LogEntry, LogFilter, LogStore } from '@platform/opensearch';
import { renderEntry } from '../log-render';

export interface StoreLogsOptions {
  store: LogStore;
  filter: LogFilter;
  follow: boolean;
  /** Newest lines shown before following; a request's or trace's lines are shown in full. */
  lines: number;
  write?: (line: string) => void;
  /** One JSON object per line (the stored document) instead of readable text. */
  json?: boolean;
  pollMs?: number;
  /** Ends --follow (tests); otherwise it runs until the process is interrupted. */
  signal?: AbortSignal;
}

/** A request has rarely more lines than this; beyond it the output says so instead of paging forever. */
const REQUEST_LINE_CAP = 20_000;
/** A line ingested this long ago is visible in every later search (refresh is 1 s); newer ones may not be yet. */
const FOLLOW_OVERLAP_MS = 5_000;

/**
 * Prints lines from the log search store in time order: every line of one request (or trace)
 * across services, or the newest `lines` lines matching the filter; then, with follow, every
 * matching line the store receives, including lines shipped late after an outage.
 */
export async function storeLogs(options: StoreLogsOptions): Promise<number> {
  const { store, filter } = options;
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const print = (entries: LogEntry[]): void => {
    for (const entry of entries) write(options.json ? JSON.stringify(entry.source) : renderEntry(entry.source).text);
  };
  const started = new Date();

  if (filter.requestId || filter.traceId) {
    const entries = await store.searchAll(filter, REQUEST_LINE_CAP);
    print(entries);
    if (entries.length >= REQUEST_LINE_CAP) process.stderr.write(`(stopped after ${REQUEST_LINE_CAP} lines)\n`);
    if (entries.length === 0 && !options.follow) process.stderr.write(`no lines for ${filter.requestId ? `request ${filter.requestId}` : `trace ${filter.traceId}`} in ${store.url} (yet: shipping takes a few seconds)\n`);
  } else if (options.lines > 0) {
    const newest = await store.search(filter, { size: options.lines, newestFirst: true });
    print(newest.entries.reverse());
  }
  if (!options.follow) return 0;

  // Following pages on event.ingested with an overlap, remembering what it printed, so lines
  // that become searchable out of order are neither skipped nor printed twice.
  const seen = new Map<string, number>();
  let since = new Date(started.getTime() - FOLLOW_OVERLAP_MS);
  // The store restarting is no reason to stop following: lines wait in Filebeat meanwhile.
  const outage = new OutageReport({ down: (error) => process.stderr.write(`(log store unreachable, retrying: ${error.message})\n`) });
  while (!options.signal?.aborted) {
    await sleep(options.pollMs ?? 1_000);
    const pollStarted = Date.now();
    let found: LogEntry[];
    try {
      found = await store.searchAll({ ...filter, ingestedSince: since }, REQUEST_LINE_CAP);
    } catch (err) {
      outage.failed(err);
      continue;
    }
    outage.succeeded();
    const fresh = found.filter((e) => !seen.has(e.id));
    print(fresh);
    for (const entry of fresh) seen.set(entry.id, pollStarted);
    since = new Date(pollStarted - FOLLOW_OVERLAP_MS);
    for (const [id, at] of seen) if (at < pollStarted - 2 * FOLLOW_OVERLAP_MS) seen.delete(id);
  }
  return 0;
}
