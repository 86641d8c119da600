import { jaegerIndexPrefixes, renderJaegerConfig, timelineBar, waterfall, type JaegerTrace } from '@platform/jaeger';
import { expiredIndices } from '@platform/opensearch';
import { renderRequestRules } from '@platform/haproxy/dist/edge-request-rules';
import { edgeSpanFrom } from '@platform/haproxy/dist/edge-spans';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const span = (spanID: string, parent: string | undefined, processID: string, operationName: string, startMs: number, durationMs: number, error = false) => ({
  traceID: TRACE,
  spanID,
  operationName,
  references: parent ? [{ refType: 'CHILD_OF', traceID: TRACE, spanID: parent }] : [],
  startTime: 1_700_000_000_000_000 + startMs * 1000,
  duration: durationMs * 1000,
  tags: error ? [{ key: 'error', value: true }] : [],
  processID,
});

test('a waterfall lists each span after its parent, children by start time, with offsets from the first span', () => {
  const trace: JaegerTrace = {
    traceID: TRACE,
    processes: { p1: { serviceName: 'edge' }, p2: { serviceName: 'orders' }, p3: { serviceName: 'users' } },
    // Out of order on purpose, as the store returns them.
    spans: [
      span('c', 'b', 'p2', 'INSERT orders', 9, 1),
      span('e', 'd', 'p3', 'process orders.events', 30, 5, true),
      span('b', 'a', 'p2', 'POST /orders', 1, 20),
      span('d', 'b', 'p2', 'publish orders.events', 12, 10),
      span('a', undefined, 'p1', 'POST orders', 0, 22),
    ],
  };
  const rows = waterfall(trace);
  expect(rows.map((r) => [r.spanId, r.depth, r.service, r.startMs, r.durationMs, r.status])).toEqual([
    ['a', 0, 'edge', 0, 22, 'ok'],
    ['b', 1, 'orders', 1, 20, 'ok'],
    ['c', 2, 'orders', 9, 1, 'ok'],
    ['d', 2, 'orders', 12, 10, 'ok'],
    ['e', 3, 'users', 30, 5, 'error'],
  ]);
  expect(timelineBar(rows[4]!, 35, 7)).toBe('      █');
});

test("a span whose parent is not in the trace (a caller's outside the platform) is a root", () => {
  const rows = waterfall({ traceID: TRACE, processes: { p: { serviceName: 'orders' } }, spans: [span('b', 'outside', 'p', 'GET /orders', 0, 3)] });
  expect(rows).toEqual([expect.objectContaining({ spanId: 'b', parentId: 'outside', depth: 0 })]);
});

test("the edge's sampled log line becomes a server span with its ids, its caller's span as parent and its timing; an unsampled or odd line none", () => {
  const line = {
    '@timestamp': '2026-12-02T08:00:00.250Z',
    'trace.id': TRACE,
    'span.id': '00f067aa0ba902b7',
    'parent.id': '1111111111111111',
    'trace.flags': '01',
    'http.request.method': 'POST',
    'service.target': 'orders',
    'http.response.status_code': 503,
    'event.duration_ms': 12,
  };
  // The line is written when the request completed: the span began its duration before.
  const start = BigInt(Date.parse('2026-12-02T08:00:00.238Z')) * 1_000_000n;
  expect(edgeSpanFrom(line)).toMatchObject({
    traceId: TRACE,
    spanId: '00f067aa0ba902b7',
    parentSpanId: '1111111111111111',
    name: 'POST orders',
    kind: 2,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 12_000_000n),
    status: { code: 2 },
  });
  expect(edgeSpanFrom({ ...line, 'parent.id': '-' })).not.toHaveProperty('parentSpanId');
  expect(edgeSpanFrom({ ...line, 'trace.flags': '00' })).toBeUndefined();
  expect(edgeSpanFrom({ ...line, 'trace.id': 'not-a-trace' })).toBeUndefined();
  expect(edgeSpanFrom({ ...line, '@timestamp': 'yesterday' })).toBeUndefined();
});

test("Jaeger's config listens on loopback (or the given IPv4) only, names the password's file and refuses odd values before they reach it", () => {
  const base = { otlpHttpPort: 4318, queryPort: 16686, storeUrls: ['http://127.0.0.1:9200'], indexPrefix: 'platform-traces' };
  const config = JSON.parse(renderJaegerConfig({ ...base, username: 'jaeger', passwordFile: '/etc/platform/secrets/log-store.password' })) as {
    receivers: { otlp: { protocols: Record<string, { endpoint: string }> } };
    extensions: { jaeger_query: { http: { endpoint: string }; grpc: { endpoint: string } }; jaeger_storage: { backends: { platform_store: { opensearch: { auth: unknown; server_urls: string[] } } } } };
  };
  expect(Object.keys(config.receivers.otlp.protocols)).toEqual(['http']);
  expect(config.receivers.otlp.protocols.http?.endpoint).toBe('127.0.0.1:4318');
  expect(config.extensions.jaeger_query.http.endpoint).toBe('127.0.0.1:16686');
  expect(config.extensions.jaeger_query.grpc.endpoint).toMatch(/^127\.0\.0\.1:/);
  expect(config.extensions.jaeger_storage.backends.platform_store.opensearch.auth).toEqual({ basic: { username: 'jaeger', password_file: '/etc/platform/secrets/log-store.password' } });
  expect(JSON.parse(renderJaegerConfig({ ...base, otlpHost: '10.0.4.10' })).receivers.otlp.protocols.http.endpoint).toBe('10.0.4.10:4318');
  // A cluster's every node (LOG_STORE_URL lists them all), each checked.
  const cluster = ['http://10.0.5.11:9200', 'http://10.0.5.12:9200', 'http://10.0.5.13:9200'];
  expect(JSON.parse(renderJaegerConfig({ ...base, storeUrls: cluster })).extensions.jaeger_storage.backends.platform_store.opensearch.server_urls).toEqual(cluster);
  expect(() => renderJaegerConfig({ ...base, storeUrls: ['http://10.0.5.11:9200', 'http://x:9200\n  evil: 1'] })).toThrow(/not an http\(s\) URL/);
  expect(() => renderJaegerConfig({ ...base, storeUrls: [] })).toThrow(/no URL/);
  expect(() => renderJaegerConfig({ ...base, indexPrefix: 'Bad Prefix' })).toThrow(/index prefix/);
  expect(() => renderJaegerConfig({ ...base, otlpHost: '0.0.0.0; x' })).toThrow(/not an IPv4/);
});

test('the edge samples the traces it starts at TRACING_SAMPLE_RATIO by a random draw, and keeps a caller\'s flags', () => {
  const maps = { routes: '/m/routes.map', apiKeys: '/m/api-keys.map', limits: '/m/limits.map', jwt: '/m/jwt.map' };
  const flagRules = (ratio?: number) => renderRequestRules(maps, 1024, ratio).filter((r) => r.includes('set-var(txn.flags)'));
  expect(flagRules()).toEqual([expect.stringContaining('field(4,-)'), '  http-request set-var(txn.flags) str(01) unless { var(txn.flags) -m found }']);
  expect(flagRules(0.25)).toEqual([
    expect.stringContaining('field(4,-)'),
    '  http-request set-var(txn.flags) str(01) if !{ var(txn.flags) -m found } { rand(1000000) lt 250000 }',
    '  http-request set-var(txn.flags) str(00) unless { var(txn.flags) -m found }',
  ]);
});

test("Jaeger's daily indices are named like the logs' (YYYY.MM.DD), so the log retention deletes old ones too", () => {
  const config = JSON.parse(renderJaegerConfig({ otlpHttpPort: 4318, queryPort: 16686, storeUrls: ['http://127.0.0.1:9200'], indexPrefix: 'platform-traces' })) as { extensions: { jaeger_storage: { backends: { platform_store: { opensearch: { indices: Record<string, { date_layout: string }> } } } } } };
  const indices = config.extensions.jaeger_storage.backends.platform_store.opensearch.indices;
  expect(indices.spans?.date_layout).toBe('2006.01.02');
  expect(indices.services?.date_layout).toBe('2006.01.02');
  const [spans] = jaegerIndexPrefixes('platform-traces');
  expect(spans).toBe('platform-traces-jaeger-span');
  const names = ['platform-traces-jaeger-span-2026.11.20', 'platform-traces-jaeger-span-2026.12.01', 'platform-logs-2026.11.20'];
  expect(expiredIndices(spans as string, names, 7, new Date('2026-12-02T08:00:00Z'))).toEqual(['platform-traces-jaeger-span-2026.11.20']);
});
