import type { JaegerSpan, JaegerTrace } from './jaeger-query';

/** One line of a trace's waterfall, in tree order (a span, then its children by start time). */
export interface WaterfallRow {
  spanId: string;
  parentId: string | null;
  depth: number;
  service: string;
  operation: string;
  /** From the trace's first span's start, and the span's own length, in milliseconds. */
  startMs: number;
  durationMs: number;
  status: 'ok' | 'error';
}

const parentOf = (span: JaegerSpan): string | undefined => span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID;
const tagOf = (span: JaegerSpan, key: string): unknown => span.tags?.find((t) => t.key === key)?.value;
const isError = (span: JaegerSpan): boolean => tagOf(span, 'error') === true || tagOf(span, 'otel.status_code') === 'ERROR';

/**
 * The trace as a tree: roots (spans whose parent is not in the trace, such as the edge's, or a
 * caller's span outside the platform) first, each followed by its children, depth-first and by
 * start time at each level.
 */
export function waterfall(trace: JaegerTrace): WaterfallRow[] {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const children = new Map<string | null, JaegerSpan[]>();
  for (const span of trace.spans) {
    const parent = parentOf(span);
    const key = parent !== undefined && ids.has(parent) ? parent : null;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const t0 = Math.min(...trace.spans.map((s) => s.startTime));
  const rows: WaterfallRow[] = [];
  const visit = (parent: string | null, depth: number): void => {
    for (const span of [...(children.get(parent) ?? [])].sort((a, b) => a.startTime - b.startTime)) {
      rows.push({
        spanId: span.spanID,
        parentId: parentOf(span) ?? null,
        depth,
        service: trace.processes[span.processID]?.serviceName ?? '?',
        operation: span.operationName,
        startMs: (span.startTime - t0) / 1000,
        durationMs: span.duration / 1000,
        status: isError(span) ? 'error' : 'ok',
      });
      visit(span.spanID, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/** A bar of `width` cells placing the span within the trace's length. */
export function timelineBar(row: WaterfallRow, totalMs: number, width = 30): string {
  const scale = totalMs > 0 ? width / totalMs : 0;
  const from = Math.min(width - 1, Math.floor(row.startMs * scale));
  const length = Math.max(1, Math.min(width - from, Math.round(row.durationMs * scale)));
  return `${' '.repeat(from)}${'█'.repeat(length)}${' '.repeat(width - from - length)}`;
}
