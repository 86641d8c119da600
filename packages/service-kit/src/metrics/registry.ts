import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /**
   * Error lines by group (logging/error-fingerprint.ts). Its name and labels are a contract: the
   * NewErrorGroup alert and the ops console read them.
   */
  errorGroups: Counter<'fingerprint' | 'error_type'>;
}

/** One registry per service instance (not prom-client's global), so several can live in one process. */
export function createServiceMetrics(labels: { service: string; instance: string }): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errorGroups = new Counter({
    name: 'kit_error_group_events_total',
    help: 'Errors logged, by error group (fingerprint of type, normalised message and top own stack frame)',
    labelNames: ['fingerprint', 'error_type'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, errorGroups };
}
