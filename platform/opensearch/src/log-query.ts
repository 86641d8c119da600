import { PlatformError } from '@platform/process-runner';

/** What `platform logs` and the tests ask the store for; every filter is optional. */
export interface LogFilter {
  service?: string;
  /** This level and the more severe ones (warn → warn and error). */
  level?: string;
  /** Lines at or after this time. */
  since?: Date;
  requestId?: string;
  traceId?: string;
  /** Words in the message. */
  text?: string;
  /** ECS labels the lines carry, all of them (labels.run: 'abc'). */
  labels?: Record<string, string>;
  /** Lines the store received at or after this time (event.ingested), for following. */
  ingestedSince?: Date;
}

/** winston's npm levels, most severe first. */
const LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

export function levelsAtOrAbove(level: string): string[] {
  const at = LEVELS.indexOf(level.toLowerCase());
  if (at < 0) throw new PlatformError('PLATFORM_USAGE', `unknown level ${JSON.stringify(level)}; one of ${LEVELS.join(', ')}`);
  return LEVELS.slice(0, at + 1);
}

/**
 * Time order, and within one instance's file the order the lines were written (the byte offset),
 * so lines logged in the same millisecond keep their order; the path makes the key unique.
 */
export const LOG_SORT = [{ '@timestamp': { order: 'asc' } }, { 'log.file.path': { order: 'asc' } }, { 'log.offset': { order: 'asc' } }];

export function buildLogQuery(filter: LogFilter): Record<string, unknown> {
  const must: Record<string, unknown>[] = [];
  if (filter.service) must.push({ term: { 'service.name': filter.service } });
  if (filter.level) must.push({ terms: { 'log.level': levelsAtOrAbove(filter.level) } });
  if (filter.since) must.push({ range: { '@timestamp': { gte: filter.since.toISOString() } } });
  if (filter.requestId) must.push({ term: { 'http.request.id': filter.requestId } });
  if (filter.traceId) must.push({ term: { 'trace.id': filter.traceId } });
  if (filter.ingestedSince) must.push({ range: { 'event.ingested': { gte: filter.ingestedSince.toISOString() } } });
  for (const [name, value] of Object.entries(filter.labels ?? {})) must.push({ term: { [`labels.${name}`]: value } });
  if (filter.text) must.push({ match: { message: { query: filter.text, operator: 'and' } } });
  return must.length === 0 ? { match_all: {} } : { bool: { filter: must } };
}

/** Parses `--since`: a duration back from now (30s, 15m, 2h, 1d) or an ISO date. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const relative = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const absolute = new Date(value);
  if (Number.isNaN(absolute.getTime())) throw new PlatformError('PLATFORM_USAGE', `--since must be a duration such as 15m or 2h, or an ISO date; got ${JSON.stringify(value)}`);
  return absolute;
}
