import { queryVector, type Sample } from '@platform/monitoring';

/** What callers get from one service over the last minute (Prometheus, from the kit's histogram). */
export interface ServiceTraffic {
  service: string;
  requestsPerSecond: number;
  /** 5xx answers over all answers; null without traffic. */
  errorRatio: number | null;
  /** Seconds; null without traffic. */
  p99Seconds: number | null;
}

export interface MessagingView {
  /** Per consumer group and topic: messages behind, summed over partitions. */
  consumerLag: { group: string; topic: string; lag: number }[];
  /** Per service: outbox rows committed and not yet published. */
  outboxBacklog: { service: string; backlog: number }[];
}

/** The same expressions the alert rules use (platform-alerts.yml), so the page and the alerts agree. */
const QUERIES = {
  rate: 'sum by (service) (rate(http_request_duration_seconds_count[1m]))',
  errors: 'sum by (service) (rate(http_request_duration_seconds_count{status_code=~"5.."}[1m])) / sum by (service) (rate(http_request_duration_seconds_count[1m]))',
  p99: 'histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket[1m])))',
  // Every instance of a group reports the group's lag: one value per partition, then the sum.
  lag: 'sum by (group, topic) (max by (group, topic, partition) (kafka_consumer_lag))',
  // Every instance counts the same outbox table.
  outbox: 'max by (service) (outbox_backlog)',
};

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);
const byLabel = (samples: Sample[], label: string): Map<string, number> => new Map(samples.map((s) => [s.labels[label] ?? '', s.value]));

export async function serviceTraffic(prometheusUrl: string): Promise<ServiceTraffic[]> {
  const [rate, errors, p99] = await Promise.all([QUERIES.rate, QUERIES.errors, QUERIES.p99].map((q) => queryVector(prometheusUrl, q)));
  const errorsOf = byLabel(errors ?? [], 'service');
  const p99Of = byLabel(p99 ?? [], 'service');
  return (rate ?? [])
    .map((s) => {
      const service = s.labels.service ?? '';
      return { service, requestsPerSecond: s.value, errorRatio: finite(errorsOf.get(service)), p99Seconds: finite(p99Of.get(service)) };
    })
    .filter((t) => t.service !== '')
    .sort((a, b) => a.service.localeCompare(b.service));
}

export async function messagingView(prometheusUrl: string): Promise<MessagingView> {
  const [lag, outbox] = await Promise.all([queryVector(prometheusUrl, QUERIES.lag), queryVector(prometheusUrl, QUERIES.outbox)]);
  return {
    consumerLag: lag.map((s) => ({ group: s.labels.group ?? '', topic: s.labels.topic ?? '', lag: s.value })).sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic)),
    outboxBacklog: outbox.map((s) => ({ service: s.labels.service ?? '', backlog: s.value })).sort((a, b) => a.service.localeCompare(b.service)),
  };
}
