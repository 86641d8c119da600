import { renderConfig, type RenderInput } from '@platform/haproxy/dist/render-config';
import { workerPrivileges } from '@platform/haproxy/dist/privileges';

const base: RenderInput = { role: 'edge', bind: { host: '127.0.0.1', port: 8080 }, adminSocket: '/s/admin.sock', backends: [] };
const lines = (input: RenderInput): string[] => renderConfig(input).split('\n').map((l) => l.trim());

test('the edge renders its HTTPS listener only with a certificate, and each limit only when it is above 0', () => {
  const plain = lines({ ...base, edge: { limits: { connRate: 0, requestRate: 0, authFailures: 0 } } });
  expect(plain.filter((l) => l.startsWith('bind '))).toEqual(['bind 127.0.0.1:8080']);
  expect(plain.some((l) => l.startsWith('stick-table') || l.includes('sc-inc-gpc0'))).toBe(false);
  const full = lines({ ...base, edge: { tls: { bind: { host: '127.0.0.1', port: 8443 }, pemFile: '/s/edge.pem' }, limits: { connRate: 5, requestRate: 0, authFailures: 3 } } });
  expect(full).toContain('bind 127.0.0.1:8443 ssl crt /s/edge.pem alpn h2,http/1.1');
  expect(full).toContain('tcp-request connection track-sc0 src');
  expect(full).toContain('http-response sc-inc-gpc0(0) if { status 401 403 }');
  expect(full.find((l) => l.includes('sc0_conn_rate'))).toMatch(/if \{ sc0_conn_rate gt 5 \}$/);
  expect(full.some((l) => l.includes('sc0_http_req_rate'))).toBe(false);
});

test('the probe block and the limits come before anything is sent on to the gateway', () => {
  const out = lines({ ...base, edge: { limits: { connRate: 1, requestRate: 1, authFailures: 1 } } });
  const at = (needle: string): number => out.findIndex((l) => l.includes(needle));
  expect(at('sc0_gpc0_rate')).toBeLessThan(at('default_backend'));
  expect(at('(metrics|health)')).toBeLessThan(at('default_backend'));
  expect(at('track-sc0')).toBeLessThan(at('sc0_gpc0_rate'));
});

test('workers drop to the haproxy user in an empty chroot only when HAProxy starts as root', () => {
  expect(workerPrivileges('/nonexistent', 1000)).toBeUndefined();
  expect(lines({ ...base, role: 'internal' }).some((l) => /^(user|group|chroot) /.test(l))).toBe(false);
  const rendered = lines({ ...base, role: 'internal', privileges: { user: 'haproxy', group: 'haproxy', chroot: '/s/empty' } });
  expect(rendered).toEqual(expect.arrayContaining(['user haproxy', 'group haproxy', 'chroot /s/empty']));
});
