import { buildLogQuery, dailyIndex, expiredIndices, indexTemplate, levelsAtOrAbove, parseSince } from '@platform/opensearch';

test('daily indices older than the retention are the ones deleted', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const names = ['logs-2026.03.01', 'logs-2026.03.02', 'logs-2026.03.03', 'logs-2026.03.09', 'logs-2026.03.10', 'logs-other', 'other-2026.01.01'];
  expect(expiredIndices('logs', names, 7, now)).toEqual(['logs-2026.03.01', 'logs-2026.03.02']);
  expect(dailyIndex('logs', now)).toBe('logs-2026.03.10');
});

test('the template maps the ECS fields the kit writes and keeps unknown fields out of the mapping', () => {
  const template = indexTemplate('logs') as { index_patterns: string[]; template: { mappings: { dynamic: boolean; properties: Record<string, { properties: Record<string, unknown> }> } } };
  expect(template.index_patterns).toEqual(['logs-*']);
  const props = template.template.mappings.properties;
  expect(template.template.mappings.dynamic).toBe(false);
  expect(props.http!.properties.request).toEqual({ properties: expect.objectContaining({ id: expect.objectContaining({ type: 'keyword' }) }) });
  expect(props.trace!.properties.id).toMatchObject({ type: 'keyword' });
  expect(props['@timestamp']).toEqual({ type: 'date' });
});

test('filters become one bool query; levels include the more severe ones; --since takes durations and dates', () => {
  expect(levelsAtOrAbove('warn')).toEqual(['error', 'warn']);
  expect(() => levelsAtOrAbove('loud')).toThrow(/unknown level/);
  const now = new Date('2026-03-10T12:00:00Z');
  expect(parseSince('15m', now).toISOString()).toBe('2026-03-10T11:45:00.000Z');
  expect(parseSince('2026-03-09T00:00:00Z', now).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  expect(() => parseSince('yesterday', now)).toThrow(/--since/);
  expect(buildLogQuery({})).toEqual({ match_all: {} });
  expect(buildLogQuery({ service: 'orders', level: 'error', requestId: 'r-1' })).toEqual({
    bool: { filter: [{ term: { 'service.name': 'orders' } }, { terms: { 'log.level': ['error'] } }, { term: { 'http.request.id': 'r-1' } }] },
  });
});
