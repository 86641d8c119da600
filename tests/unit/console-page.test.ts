import { renderBody, renderPage } from '../../cli/src/console/page';
import { instanceStatus, type ConsoleSnapshot } from '../../cli/src/console/snapshot';
import type { InstanceView } from '../../cli/src/platform-view';

const instance = (over: Partial<InstanceView>): InstanceView => ({ service: 'users', id: 'users-node-1-1', address: '127.0.0.1:4000', health: 'passing', pid: 10, state: 'running', restarts: 0, lastExit: null, ...over });

const HOSTILE = `<img src=x onerror="alert('x')">`;

const snapshot = (over: Partial<ConsoleSnapshot> = {}): ConsoleSnapshot => ({
  at: '2026-12-02T08:00:00.000Z',
  instances: { ok: true, data: [{ ...instance({ service: HOSTILE, id: `${HOSTILE}-1` }), status: 'up', version: HOSTILE, release: null }] },
  loadBalancers: { ok: true, data: [] },
  traffic: { ok: true, data: [{ service: 'users', requestsPerSecond: 12.345, errorRatio: 0.1, p99Seconds: 0.0123 }] },
  alerts: { ok: true, data: [{ name: 'InstanceDown', severity: 'page', about: { instance: HOSTILE }, startsAt: '', firingForSeconds: 3, summary: HOSTILE, labels: {} }] },
  messaging: { ok: false, error: `Prometheus: ${HOSTILE}` },
  database: { ok: true, data: { leader: null, members: [] } },
  errorGroups: {
    ok: true,
    data: [{ fingerprint: 'a8c3542041ac', count: 2, firstSeen: '2026-12-02T08:00:00.000Z', lastSeen: '2026-12-02T08:00:01.000Z', type: 'Error', message: `order ${HOSTILE}`, services: ['orders'], instance: null, requestId: `"><script>x</script>`, traceId: 'abc' }],
  },
  ...over,
});

test('every value from the catalog, alerts, errors and sources is escaped: no markup of theirs reaches the page', () => {
  const html = renderPage(snapshot());
  expect(html).not.toContain('<img');
  expect(html).not.toContain('<script>x');
  expect(html).toContain('&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;');
  expect(html).toContain('data-instance="&lt;img');
  expect(html).toContain('npx platform logs --request-id &quot;&gt;&lt;script&gt;x&lt;/script&gt;');
  // The page's own script is a file (the CSP forbids inline scripts).
  expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="console.js" defer>']);
});

test('a source that cannot be asked says so in its own panel; the others still show', () => {
  const body = renderBody(snapshot());
  expect(body).toMatch(/<section id="messaging"><h2>Events<\/h2><p class="unavailable">Prometheus: &lt;img/);
  expect(body).toContain('no leader: writes are refused');
  expect(body).toMatch(/<tr data-service="users"><td>users<\/td><td>12\.35<\/td><td class="status down">10\.0 %<\/td><td>12\.3 ms<\/td><\/tr>/);
});

test("an instance is up only while its process runs and Consul passes it; draining is neither up nor down", () => {
  expect(instanceStatus(instance({}))).toBe('up');
  expect(instanceStatus(instance({ state: 'external', pid: null }))).toBe('up');
  expect(instanceStatus(instance({ health: 'warning' }))).toBe('up');
  expect(instanceStatus(instance({ state: 'restarting', pid: null }))).toBe('down');
  expect(instanceStatus(instance({ health: 'critical' }))).toBe('down');
  expect(instanceStatus(instance({ health: 'not registered' }))).toBe('down');
  expect(instanceStatus(instance({ state: 'stopping' }))).toBe('draining');
  expect(instanceStatus(instance({ health: 'draining' }))).toBe('draining');
});
