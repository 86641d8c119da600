import { JaegerQuery, timelineBar, waterfall, type WaterfallRow } from '@platform/jaeger';
import { field, LogStore, logStoreCredentials } from '@platform/opensearch';
import { EXIT } from '../command/command';
import { printResult } from '../command/output';
import { logStoreUrl } from '../log-settings';
import { loadSettings } from '../settings';
import { formatTable } from '../table';

const TRACE_ID = /^[0-9a-f]{32}$/;

export interface TraceView {
  /** False when no log line names the request's trace, or the trace store has none of its spans. */
  found: boolean;
  traceId: string | null;
  requestId: string | null;
  durationMs: number;
  spans: WaterfallRow[];
}

const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1));

const traceText = (view: TraceView): string => {
  if (!view.found) return view.traceId ? `trace ${view.traceId} is not in the trace store (not sampled, not stored yet, or older than its indices)` : `no log line of request ${view.requestId} names a trace (not found in the log store, or older than its retention)`;
  const header = `trace ${view.traceId}${view.requestId ? ` (request ${view.requestId})` : ''}: ${view.spans.length} spans, ${ms(view.durationMs)} ms`;
  const rows = view.spans.map((r) => [r.service, `${'  '.repeat(r.depth)}${r.operation}`, ms(r.startMs), ms(r.durationMs), r.status, timelineBar(r, view.durationMs)]);
  return `${header}\n${formatTable(['SERVICE', 'OPERATION', 'START ms', 'DURATION ms', 'STATUS', 'TIMELINE'], rows)}`;
};

/** The trace id of a request, from its log lines (every line of a request carries both ids). */
async function traceIdOf(requestId: string): Promise<string | undefined> {
  const settings = loadSettings().logs;
  const store = new LogStore({ url: logStoreUrl(settings), indexPrefix: settings.indexPrefix, ...logStoreCredentials() });
  try {
    const lines = await store.searchAll({ requestId }, 200);
    // The edge's line first: it started (or continued) the trace the services joined.
    const ids = lines.map((l) => field(l.source, 'trace.id')).filter((v): v is string => typeof v === 'string' && TRACE_ID.test(v));
    return ids[0];
  } finally {
    await store.close();
  }
}

/** `platform trace <request-id|trace-id>`: 3 when a store does not answer; a trace not found is an answer (found: false), as `logs` finding no line is. */
export async function trace(id: string, json: boolean): Promise<number> {
  const query = new JaegerQuery(loadSettings().tracing.queryUrl);
  let traceId = TRACE_ID.test(id) ? id : undefined;
  const requestId = traceId ? null : id;
  try {
    traceId ??= await traceIdOf(id);
  } catch (err) {
    process.stderr.write(`cannot search the log store for request ${id} (is the platform up?): ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.notRunning;
  }
  const none: TraceView = { found: false, traceId: traceId ?? null, requestId, durationMs: 0, spans: [] };
  if (!traceId) {
    printResult(json, none, traceText);
    return EXIT.ok;
  }
  let found;
  try {
    found = await query.trace(traceId);
  } catch (err) {
    process.stderr.write(`cannot ask the trace store at ${query.url} (is the platform up?): ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.notRunning;
  }
  if (!found || found.spans.length === 0) {
    printResult(json, none, traceText);
    return EXIT.ok;
  }
  const spans = waterfall(found);
  const durationMs = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  printResult(json, { found: true, traceId, requestId, durationMs, spans }, traceText);
  return EXIT.ok;
}
