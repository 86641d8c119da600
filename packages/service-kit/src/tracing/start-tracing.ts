import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { OtlpHttpExporter } from './otlp-exporter';
import { tracingSettingsFrom } from './tracing-config';

export interface TracedServiceIdentity {
  service: string;
  version?: string;
  instanceId: string;
}

let provider: TracerProvider | undefined;
let nameService: ((identity: TracedServiceIdentity) => void) | undefined;

/**
 * Starts OpenTelemetry for this process, once: OTel's context (AsyncLocalStorage) becomes the one
 * place the current request's trace lives (the logger, the service client and the outbox read it
 * there) and W3C traceparent the one propagation format. No module is instrumented: the kit makes
 * its spans itself where it knows what to call them (http-spans.ts, db-spans.ts, the messaging).
 * Runs when the kit is first imported (see register.ts). The service's name is not known yet: the
 * resource waits for it (nameTracedService), and nothing is exported before.
 *
 * With no TRACING_OTLP_URL, no span is recorded (ids still made and passed on, flagged unsampled,
 * for the log lines) and there is no exporter at all: no request pays for a store that is absent.
 * A store that is configured but down costs a failed export per batch in the background, no
 * error line per request (the OTel diagnostics logger stays unset).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): void {
  if (provider) return;
  const settings = tracingSettingsFrom(env);
  const identity = new Promise<TracedServiceIdentity>((resolve) => (nameService = resolve));
  const spanProcessors: SpanProcessor[] = [];
  if (settings.TRACING_OTLP_URL) {
    const exporter = new OtlpHttpExporter(new URL(`${settings.TRACING_OTLP_URL}/v1/traces`), 5_000);
    spanProcessors.push(new BatchSpanProcessor({ exporter, maxQueueSize: 8192, maxExportBatchSize: 1024, scheduledDelayMillis: 500 }));
  }
  // At 1 there is nothing to draw: the ratio sampler would still hash every new trace's id.
  const root = settings.TRACING_SAMPLE_RATIO >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(settings.TRACING_SAMPLE_RATIO);
  // No store: nothing is recorded, whatever a caller's flags ask (a recorded span going nowhere
  // is pure cost); ids are still made and passed on, unsampled.
  const sampler = settings.TRACING_OTLP_URL ? new ParentBasedSampler({ root }) : new AlwaysOffSampler();
  provider = new TracerProvider({
    sampler,
    spanProcessors,
    resource: resourceFromAttributes({
      'service.name': identity.then((i) => i.service),
      'service.version': identity.then((i) => i.version ?? '0.0.0'),
      'service.instance.id': identity.then((i) => i.instanceId),
    }),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
}

/** Names this process in its spans (called once the service's config is loaded). */
export function nameTracedService(identity: TracedServiceIdentity): void {
  nameService?.(identity);
}

/** Sends what is still buffered; at shutdown, after the last request. */
export async function flushTracing(timeoutMs = 3_000): Promise<void> {
  if (!provider) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref()));
  await Promise.race([provider.forceFlush().catch(() => undefined), late]);
  clearTimeout(timer);
}
