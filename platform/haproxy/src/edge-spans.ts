import { open, stat } from 'node:fs/promises';
import type { Logger } from '@platform/service-kit';

/** The fields of the edge's log line (render-edge.ts LOG_FORMAT) a span is made of. */
interface EdgeLine {
  '@timestamp'?: string;
  'trace.id'?: string;
  'span.id'?: string;
  'parent.id'?: string;
  'trace.flags'?: string;
  'http.request.id'?: string;
  'http.request.method'?: string;
  'service.target'?: string;
  'http.response.status_code'?: number;
  'event.duration_ms'?: number;
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);
const TRACE_ID = HEX(32);
const SPAN_ID = HEX(16);
const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });

/**
 * The edge's hop as a span, from its log line: HAProxy has no tracer, but its line carries the
 * trace id, the span id it gave the request (the parent of the service's span), the caller's span
 * when there was one, when the request completed (ms) and how long the edge spent on it (%Ta). A
 * sampled line (flags 01) becomes an OTLP span of service `edge`; an unsampled one, none.
 */
export function edgeSpanFrom(line: EdgeLine): Record<string, unknown> | undefined {
  const traceId = line['trace.id'] ?? '';
  const spanId = line['span.id'] ?? '';
  const end = Date.parse(line['@timestamp'] ?? '');
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId) || Number.isNaN(end) || line['trace.flags'] !== '01') return undefined;
  const status = line['http.response.status_code'] ?? 0;
  const durationMs = Math.max(0, line['event.duration_ms'] ?? 0);
  const startNs = BigInt(end - Math.round(durationMs)) * 1_000_000n;
  const parent = line['parent.id'] ?? '';
  return {
    traceId,
    spanId,
    ...(SPAN_ID.test(parent) ? { parentSpanId: parent } : {}),
    name: `${line['http.request.method'] ?? 'HTTP'} ${line['service.target'] || 'edge'}`,
    kind: 2, // SERVER
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(startNs + BigInt(Math.round(durationMs * 1_000_000))),
    attributes: [attr('http.response.status_code', status), attr('http.request.method', line['http.request.method'] ?? ''), attr('http.request.id', line['http.request.id'] ?? '')],
    status: { code: status >= 500 ? 2 : 0 },
  };
}

export interface EdgeSpanShipperOptions {
  /** The edge's log file (the controller names it; HAProxy writes it). */
  logFile: string;
  /** The trace store's OTLP/HTTP address (TRACING_OTLP_URL). */
  otlpUrl: string;
  instanceId: string;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Follows the edge's log file from its end and sends each new sampled line's span to the trace
 * store as OTLP/JSON, every half second. A store that does not answer loses those spans (one
 * warning per outage), never the edge's requests, which never wait for this.
 */
export function shipEdgeSpans(options: EdgeSpanShipperOptions): { stop(): Promise<void> } {
  let offset = -1;
  let partial = '';
  let failing = false;
  const resource = { attributes: [attr('service.name', 'edge'), attr('service.instance.id', options.instanceId)] };
  const readNew = async (): Promise<string> => {
    const size = await stat(options.logFile).then((s) => s.size, () => 0);
    if (offset < 0 || size < offset) offset = offset < 0 ? size : 0; // first look: from the end; truncated: from the start
    if (size === offset) return '';
    const file = await open(options.logFile, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  };
  const pass = async (): Promise<void> => {
    const lines = (partial + (await readNew())).split('\n');
    partial = lines.pop() ?? '';
    const spans = lines.flatMap((text) => {
      if (!text.startsWith('{')) return [];
      try {
        return [edgeSpanFrom(JSON.parse(text) as EdgeLine)].filter((s) => s !== undefined);
      } catch {
        return [];
      }
    });
    if (spans.length === 0) return;
    try {
      const body = JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: '@platform/haproxy/edge-spans' }, spans }] }] });
      const res = await fetch(`${options.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      if (failing) options.logger.info('edge spans reach the trace store again');
      failing = false;
    } catch (err) {
      if (!failing) options.logger.warn('edge spans cannot reach the trace store; they are dropped until it answers', { error: err instanceof Error ? err.message : String(err) });
      failing = true;
    }
  };
  let running = Promise.resolve();
  const timer = setInterval(() => (running = running.then(pass, pass)), options.intervalMs ?? 500);
  return {
    async stop() {
      clearInterval(timer);
      await running.catch(() => undefined);
      await pass().catch(() => undefined);
    },
  };
}
