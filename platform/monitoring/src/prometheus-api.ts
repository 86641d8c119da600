import { PlatformError } from '@platform/process-runner';

/** One series of an instant query's answer: its labels and its value now (NaN stays NaN). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface VectorAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** Evaluates a PromQL expression now (`/api/v1/query`); only instant vectors are accepted. */
export async function queryVector(prometheusUrl: string, expr: string, timeoutMs = 3_000): Promise<Sample[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json().catch(() => ({ status: 'error', error: `answered ${res.status} without JSON` }))) as VectorAnswer;
  if (!res.ok || body.status !== 'success' || body.data?.resultType !== 'vector') {
    throw new PlatformError('PLATFORM_MONITORING_UNAVAILABLE', `prometheus at ${prometheusUrl} refused a query (${res.status}: ${body.error ?? body.data?.resultType ?? 'no data'})`);
  }
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}
