import { field } from './stored-field';

/**
 * Errors grouped by the kit's fingerprint (`error.fingerprint`, service-kit logging/error-fingerprint.ts):
 * how often each group occurred, when first and last, and its newest occurrence (type, message,
 * service, the request and trace to look at).
 */
export interface ErrorGroupView {
  fingerprint: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  type: string;
  message: string;
  services: string[];
  /** Of the newest occurrence. */
  instance: string | null;
  requestId: string | null;
  traceId: string | null;
}

/** The newest groups first (by their last occurrence); every group the store still holds. */
export function errorGroupsQuery(size: number): Record<string, unknown> {
  return {
    size: 0,
    query: { bool: { filter: [{ exists: { field: 'error.fingerprint' } }] } },
    aggs: {
      groups: {
        terms: { field: 'error.fingerprint', size, order: { last_seen: 'desc' } },
        aggs: {
          first_seen: { min: { field: '@timestamp' } },
          last_seen: { max: { field: '@timestamp' } },
          services: { terms: { field: 'service.name', size: 10 } },
          newest: { top_hits: { size: 1, sort: [{ '@timestamp': { order: 'desc' } }], _source: ['error', 'service', 'http', 'trace', 'message', 'service.node.name', 'http.request.id', 'trace.id', 'error.type', 'error.message'] } },
        },
      },
    },
  };
}

interface GroupBucket {
  key: string;
  doc_count: number;
  first_seen: { value_as_string?: string };
  last_seen: { value_as_string?: string };
  services: { buckets: { key: string }[] };
  newest: { hits: { hits: { _source?: Record<string, unknown> }[] } };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function parseErrorGroups(aggregations: unknown): ErrorGroupView[] {
  const buckets = (aggregations as { groups?: { buckets?: GroupBucket[] } } | undefined)?.groups?.buckets ?? [];
  return buckets.map((b) => {
    const newest = b.newest.hits.hits[0]?._source ?? {};
    return {
      fingerprint: b.key,
      count: b.doc_count,
      firstSeen: b.first_seen.value_as_string ?? '',
      lastSeen: b.last_seen.value_as_string ?? '',
      type: text(field(newest, 'error.type')) ?? 'Error',
      message: text(field(newest, 'error.message')) ?? text(newest.message) ?? '',
      services: b.services.buckets.map((s) => s.key),
      instance: text(field(newest, 'service.node.name')),
      requestId: text(field(newest, 'http.request.id')),
      traceId: text(field(newest, 'trace.id')),
    };
  });
}
