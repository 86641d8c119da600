import { renderConfig, type RenderInput } from '@platform/haproxy/dist/render-config';
import { workerPrivileges } from '@platform/haproxy/dist/privileges';
import type { EdgeGateway } from '@platform/haproxy/dist/render-edge';

const base: RenderInput = { role: 'edge', bind: { host: '127.0.0.1', port: 8080 }, adminSocket: '/s/admin.sock', backends: [] };
const gateway: EdgeGateway = {
  maps: { routes: '/m/routes.map', apiKeys: '/m/api-keys.map', limits: '/m/limits.map', jwt: '/m/jwt.map' },
  controlSocket: { path: '/s/gateway.sock' },
  luaFile: '/l/edge-path.lua',
  bodyLimitBytes: 1024,
  serverTimeoutMs: 1000,
  clientWindowS: 60,
  peers: { self: 'local', members: [{ name: 'local', addr: { abstractSocket: 'platform-edge-peer-0123' } }] },
};
const lines = (input: RenderInput): string[] => renderConfig(input).split('\n').map((l) => l.trim());

test('the edge renders its HTTPS listener only with a certificate, and each limit only when it is above 0', () => {
  const plain = lines({ ...base, edge: { limits: { connRate: 0, requestRate: 0, authFailures: 0 }, gateway } });
  expect(plain.filter((l) => l.startsWith('bind '))).toEqual(['bind 127.0.0.1:8080']);
  expect(plain.some((l) => l.startsWith('stick-table type ipv6') || l.includes('sc-inc-gpc0'))).toBe(false);
  const full = lines({ ...base, edge: { tls: { bind: { host: '127.0.0.1', port: 8443 }, pemFile: '/s/edge.pem' }, limits: { connRate: 5, requestRate: 0, authFailures: 3 }, gateway } });
  expect(full).toContain('bind 127.0.0.1:8443 ssl crt /s/edge.pem alpn h2,http/1.1');
  expect(full).toContain('tcp-request connection track-sc0 src');
  expect(full).toContain('http-response sc-inc-gpc0(0) if { status 401 403 }');
  expect(full.find((l) => l.includes('sc0_conn_rate'))).toMatch(/if \{ sc0_conn_rate gt 5 \}$/);
  expect(full.some((l) => l.includes('sc0_http_req_rate'))).toBe(false);
});

test('the request id comes first, then the per-source limits, the path, the route, authentication and the client limit, before any backend', () => {
  const out = lines({ ...base, edge: { limits: { connRate: 1, requestRate: 1, authFailures: 1 }, gateway } });
  const at = (needle: string): number => out.findIndex((l) => l.includes(needle));
  const order = ['track-sc0', 'set-var(txn.rid)', 'sc0_gpc0_rate', 'lua.edge_path', 'field(1,/,7),map_str(/m/routes.map)', 'field(1,/,2),map_str(/m/routes.map)', 'jwt_verify("HS256",txn.jwt_key)', 'map_str(/m/api-keys.map)', 'return status 401', 'track-sc1', 'Rate limit of', 'del-header x-api-key', 'use_backend svc_%[var(txn.service)]'];
  const positions = order.map(at);
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  expect(out).toContain('lua-load "/l/edge-path.lua"');
  // The maps are named by path only: no key hash or secret is ever in the rendered configuration.
  expect(out.some((l) => /[0-9a-f]{64}/.test(l))).toBe(false);
});

test('with peers the client table is shared and this edge names itself', () => {
  const peers = { self: 'edge-a', members: [{ name: 'edge-a', addr: { host: '127.0.0.1', port: 7001 } }, { name: 'edge-b', addr: { host: '127.0.0.1', port: 7002 } }] };
  const out = lines({ ...base, edge: { limits: { connRate: 0, requestRate: 0, authFailures: 0 }, gateway: { ...gateway, peers } } });
  expect(out).toEqual(expect.arrayContaining(['localpeer edge-a', 'peers edge_peers', 'peer edge-a 127.0.0.1:7001', 'peer edge-b 127.0.0.1:7002']));
  expect(out.find((l) => l.startsWith('stick-table type string'))).toMatch(/peers edge_peers$/);
});

test('an edge that shares no table is its own only peer on an abstract socket, so a reload hands the client table to the new worker', () => {
  const out = lines({ ...base, edge: { limits: { connRate: 0, requestRate: 0, authFailures: 0 }, gateway } });
  expect(out).toEqual(expect.arrayContaining(['localpeer local', 'peers edge_peers', 'peer local abns@platform-edge-peer-0123']));
  expect(out.find((l) => l.startsWith('stick-table type string'))).toMatch(/peers edge_peers$/);
});

test('workers drop to the haproxy user in an empty chroot only when HAProxy starts as root', () => {
  expect(workerPrivileges('/nonexistent', 1000)).toBeUndefined();
  expect(lines({ ...base, role: 'internal' }).some((l) => /^(user|group|chroot) /.test(l))).toBe(false);
  const rendered = lines({ ...base, role: 'internal', privileges: { user: 'haproxy', group: 'haproxy', chroot: '/s/empty' } });
  expect(rendered).toEqual(expect.arrayContaining(['user haproxy', 'group haproxy', 'chroot /s/empty']));
});
