/** One span as Jaeger's query API returns it (times in microseconds). */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags?: { key: string; type?: string; value: unknown }[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** Reads traces from Jaeger's query API (the HTTP JSON API its page uses). */
export class JaegerQuery {
  constructor(readonly url: string) {}

  /** The trace, or undefined when the store has no span of it (yet). */
  async trace(traceId: string): Promise<JaegerTrace | undefined> {
    if (!TRACE_ID.test(traceId)) throw new Error(`${JSON.stringify(traceId)} is not a trace id (32 lower-case hex digits)`);
    const res = await fetch(`${this.url}/api/traces/${traceId}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`the trace store answered ${res.status} for trace ${traceId}`);
    const body = (await res.json()) as { data?: JaegerTrace[] };
    return body.data?.[0];
  }

  /** Names of the services that sent spans. */
  async services(): Promise<string[]> {
    const res = await fetch(`${this.url}/api/services`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`the trace store answered ${res.status}`);
    return ((await res.json()) as { data?: string[] | null }).data ?? [];
  }
}
