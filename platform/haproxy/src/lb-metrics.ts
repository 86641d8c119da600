import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface LbMetrics {
  changesApplied: Counter<'role'>;
  reloads: Counter<'role'>;
  propagation: Histogram<'role'>;
  servers: Gauge<'role' | 'backend' | 'state'>;
  consulErrors: Counter<'role' | 'kind'>;
  refusedConfigs: Counter<'role'>;
  splitWeight: Gauge<'role' | 'service'>;
  splitEffectiveWeight: Gauge<'role' | 'service'>;
}

/** The controller's own metrics, on the service's registry so /metrics shows them with the rest. */
export function createLbMetrics(registry: Registry): LbMetrics {
  return {
    changesApplied: new Counter({ name: 'lb_changes_applied_total', help: 'Server changes applied to HAProxy', labelNames: ['role'], registers: [registry] }),
    reloads: new Counter({ name: 'lb_reloads_total', help: 'HAProxy reloads for structural changes', labelNames: ['role'], registers: [registry] }),
    propagation: new Histogram({
      name: 'lb_propagation_seconds',
      help: 'Time from a Consul index change being observed to HAProxy runtime state applied',
      labelNames: ['role'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    servers: new Gauge({ name: 'lb_servers', help: 'Server slots by backend and state', labelNames: ['role', 'backend', 'state'], registers: [registry] }),
    consulErrors: new Counter({
      name: 'lb_consul_errors_total',
      help: 'Failed Consul catalog queries by kind: refused (429/403, Consul up but saying no) or unreachable; the last known state stays applied',
      labelNames: ['role', 'kind'],
      registers: [registry],
    }),
    refusedConfigs: new Counter({ name: 'lb_config_refused_total', help: 'Structural reloads whose configuration HAProxy refused (the running one stays)', labelNames: ['role'], registers: [registry] }),
    splitWeight: new Gauge({ name: 'lb_split_weight', help: "Percent of a split service's callers its rollout record sends to the candidate release", labelNames: ['role', 'service'], registers: [registry] }),
    splitEffectiveWeight: new Gauge({
      name: 'lb_split_effective_weight',
      help: 'Percent of callers this load balancer sends to the candidate: the weight, or 0/100 while one side has no routable instance',
      labelNames: ['role', 'service'],
      registers: [registry],
    }),
  };
}
