/**
 * The log index layout: one index per day (`<prefix>-YYYY.MM.DD`, the day of the line's own
 * @timestamp, so a line resent after an outage lands in the same index and is deduplicated by its
 * id), created on the first write by a template with explicit mappings for the ECS fields the
 * service kit writes. Fields it does not know stay in _source but are not indexed (dynamic: false),
 * so a service logging an odd field can never get its lines rejected by a mapping conflict.
 */
export const DEFAULT_INDEX_PREFIX = 'platform-logs';

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
const text = { type: 'text' } as const;
const long = { type: 'long' } as const;
const date = { type: 'date' } as const;

/** Nested `properties` blocks from a flat map of dotted ECS names. */
function nest(fields: Record<string, object>): Record<string, object> {
  const root: Record<string, { properties?: Record<string, object> }> = {};
  for (const [dotted, mapping] of Object.entries(fields)) {
    const parts = dotted.split('.');
    let level: Record<string, { properties?: Record<string, object> }> = root;
    for (const part of parts.slice(0, -1)) {
      level[part] ??= { properties: {} };
      level = (level[part] as { properties: Record<string, { properties?: Record<string, object> }> }).properties;
    }
    level[parts[parts.length - 1] as string] = mapping;
  }
  return root;
}

export const ECS_FIELD_MAPPINGS: Record<string, object> = {
  '@timestamp': date,
  message: { type: 'text', fields: { raw: { ...keyword } } },
  'log.level': keyword,
  'log.file.path': keyword,
  'log.offset': long,
  'ecs.version': keyword,
  'service.name': keyword,
  'service.version': keyword,
  'service.node.name': keyword,
  'host.name': keyword,
  'event.dataset': keyword,
  'event.sequence': long,
  'event.duration': long,
  'event.ingested': date,
  'http.request.id': keyword,
  'http.request.method': keyword,
  'http.response.status_code': long,
  'http.route': keyword,
  'url.path': keyword,
  'url.original': keyword,
  'trace.id': keyword,
  'span.id': keyword,
  'error.type': keyword,
  // The kit's error group (logging/error-fingerprint.ts): the ops console aggregates on it.
  'error.fingerprint': keyword,
  'error.message': text,
  'error.stack_trace': { type: 'text', index: false },
};

/** `replicas`: 0 on a lone node (a replica could never be assigned: the index would stay yellow), 1 on a cluster. */
export function indexTemplate(prefix: string, replicas = 0): Record<string, unknown> {
  return {
    index_patterns: [`${prefix}-*`],
    priority: 100,
    template: {
      settings: {
        number_of_shards: 1,
        number_of_replicas: replicas,
        refresh_interval: '1s',
        // Stamps event.ingested, which `platform logs --follow` pages on: a line shipped late
        // (after an outage) still shows up, although its @timestamp is older than what was printed.
        default_pipeline: ingestPipelineName(prefix),
      },
      mappings: {
        dynamic: false,
        // ECS `labels`: a service's own searchable keywords (labels.order_id, labels.run ...).
        dynamic_templates: [{ labels_as_keywords: { path_match: 'labels.*', mapping: { type: 'keyword', ignore_above: 1024 } } }],
        properties: { ...nest(ECS_FIELD_MAPPINGS), labels: { type: 'object', dynamic: true } },
      },
    },
    _meta: { managed_by: 'platform/opensearch' },
  };
}

export const ingestPipelineName = (prefix: string): string => `${prefix}-ingested`;

export function ingestPipeline(): Record<string, unknown> {
  return {
    description: 'Stamps event.ingested with the time the store received the line (platform/opensearch)',
    processors: [{ set: { field: 'event.ingested', value: '{{_ingest.timestamp}}' } }],
  };
}

/** The daily index a given day's lines are in. */
export function dailyIndex(prefix: string, day: Date): string {
  const iso = day.toISOString();
  return `${prefix}-${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
}

/** Daily indices older than `retentionDays` (whole days, UTC), from a list of index names. */
export function expiredIndices(prefix: string, names: readonly string[], retentionDays: number, now: Date = new Date()): string[] {
  const oldestKept = dailyIndex(prefix, new Date(now.getTime() - retentionDays * 86_400_000));
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{4}\\.\\d{2}\\.\\d{2}$`);
  // YYYY.MM.DD sorts as text in time order.
  return names.filter((name) => pattern.test(name) && name < oldestKept);
}
