import type { ServicesSnapshot, WatchedInstance } from '@platform/service-kit';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GRANTS_FILE, loadRouteGrants } from '@platform/gateway/dist/routing/route-grants';
import { buildRouteTable, emptyRouteTable, matchRoute } from '@platform/gateway/dist/routing/route-table';

function instance(service: string, meta: Record<string, string>, health: WatchedInstance['health'] = 'passing', id = `${service}-${Math.random()}`): WatchedInstance {
  return { id, service, node: 'n', address: '127.0.0.1', port: 1, tags: [], meta, health };
}

function snapshot(...instances: WatchedInstance[]): ServicesSnapshot {
  const services = new Map<string, WatchedInstance[]>();
  for (const i of instances) services.set(i.service, [...(services.get(i.service) ?? []), i]);
  return { services, observedAt: Date.now(), index: '1' };
}

const route = (prefix: string, auth = 'required') => ({ 'gateway-prefix': prefix, 'gateway-auth': auth });

test('each passing declaration becomes a route; matching is by whole segments, longest prefix first', () => {
  const grants = new Map([['reports', ['/users/reports']]]);
  const table = buildRouteTable(snapshot(instance('users', route('/users')), instance('reports', route('/users/reports', 'public')), instance('plain', {})), emptyRouteTable(), 'gateway', grants);
  expect([...table.routes.keys()].sort()).toEqual(['/users', '/users/reports']);
  expect(matchRoute(table, '/users')?.service).toBe('users');
  expect(matchRoute(table, '/users/')?.service).toBe('users');
  expect(matchRoute(table, '/users/42/orders')?.service).toBe('users');
  expect(matchRoute(table, '/users/reports/2024')).toMatchObject({ service: 'reports', auth: 'public' });
  expect(matchRoute(table, '/usersx')).toBeUndefined();
  expect(matchRoute(table, '/')).toBeUndefined();
  expect(matchRoute(table, '//users')).toBeUndefined();
});

test('a route with no passing instance is kept as unavailable (503), and gone once no instance declares it (404)', () => {
  const down = buildRouteTable(snapshot(instance('users', route('/users'), 'critical'), instance('users', route('/users'), 'maintenance')), emptyRouteTable(), 'gateway');
  expect(matchRoute(down, '/users/1')).toMatchObject({ service: 'users', available: false });
  const gone = buildRouteTable({ services: new Map([['users', []]]), observedAt: 0, index: '2' }, down, 'gateway');
  expect(matchRoute(gone, '/users/1')).toBeUndefined();
});

test('auth is required unless declared public, and required wins while instances disagree', () => {
  const typo = buildRouteTable(snapshot(instance('a', route('/a', 'pubic'))), emptyRouteTable(), 'gateway');
  expect(matchRoute(typo, '/a')?.auth).toBe('required');
  const mixed = buildRouteTable(snapshot(instance('b', route('/b', 'public')), instance('b', route('/b', 'required'))), emptyRouteTable(), 'gateway');
  expect(matchRoute(mixed, '/b')?.auth).toBe('required');
});

test('invalid, reserved and self-declared prefixes are ignored with a reason', () => {
  const table = buildRouteTable(
    snapshot(instance('a', route('/')), instance('b', route('no-slash')), instance('c', route('/x/../y')), instance('d', route('/health/x')), instance('e', route('/docs')), instance('gateway', route('/gw'))),
    emptyRouteTable(),
    'gateway',
  );
  expect(table.routes.size).toBe(0);
  expect(table.rejected).toHaveLength(5);
  expect(table.rejected.join('\n')).toContain('reserved');
  // The edge matches on at most six segments: a deeper prefix could never be routed there.
  const deep = buildRouteTable(snapshot(instance('f', route('/f/1/2/3/4/5')), instance('g', route('/g/1/2/3/4/5/6'))), emptyRouteTable(), 'gateway');
  expect([...deep.routes.keys()]).toEqual(['/f/1/2/3/4/5']);
  expect(deep.rejected.join('\n')).toContain('more than 6 segments');
});

test('a prefix claimed by two services stays with the one that held it', () => {
  const grants = new Map([['zeta', ['/shared']], ['alpha', ['/shared']]]);
  const first = buildRouteTable(snapshot(instance('zeta', route('/shared'))), emptyRouteTable(), 'gateway', grants);
  const both = buildRouteTable(snapshot(instance('zeta', route('/shared')), instance('alpha', route('/shared'))), first, 'gateway', grants);
  expect(matchRoute(both, '/shared')?.service).toBe('zeta');
  expect(both.rejected).toEqual(['alpha: gateway-prefix /shared is already routed to zeta']);
  // With no history, the first by name wins, so every gateway instance decides the same way.
  const fresh = buildRouteTable(snapshot(instance('zeta', route('/shared')), instance('alpha', route('/shared'))), emptyRouteTable(), 'gateway', grants);
  expect(matchRoute(fresh, '/shared')?.service).toBe('alpha');
});

test('a service may claim its own name and below it, nothing else without a grant', () => {
  const table = buildRouteTable(
    snapshot(instance('users', route('/users')), instance('orders', route('/orders/v2')), instance('evil', route('/users/admin')), instance('evil', route('/evil')), instance('use', route('/users'))),
    emptyRouteTable(),
    'gateway',
  );
  expect([...table.routes.values()].map((r) => `${r.prefix} ${r.service}`).sort()).toEqual(['/evil evil', '/orders/v2 orders', '/users users']);
  expect(matchRoute(table, '/users/admin/1')?.service).toBe('users');
  // A name that is a leading part of another's prefix gives no right to it.
  expect(table.rejected).toEqual(
    expect.arrayContaining([
      "evil: gateway-prefix /users/admin is outside /evil and not granted in the gateway's route grants",
      "use: gateway-prefix /users is outside /use and not granted in the gateway's route grants",
    ]),
  );
  const granted = buildRouteTable(snapshot(instance('users', route('/users')), instance('evil', route('/users/admin'))), emptyRouteTable(), 'gateway', new Map([['evil', ['/users/admin']]]));
  expect(matchRoute(granted, '/users/admin/1')?.service).toBe('evil');
  expect(granted.rejected).toEqual([]);
});

function grantsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'grants-')), 'route-grants.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('the route grants file is read by service, and the one shipped with the gateway grants nothing', () => {
  const grants = loadRouteGrants(grantsFile({ grants: [{ service: 'reports', prefixes: ['/users/reports'], reason: 'reports team owns user reports' }, { service: 'reports', prefixes: ['/stats'], reason: 'r' }] }));
  expect(grants.get('reports')).toEqual(['/users/reports', '/stats']);
  expect(loadRouteGrants(DEFAULT_GRANTS_FILE).size).toBe(0);
});

test('a bad route grants file stops the gateway with every problem named', () => {
  expect(() => loadRouteGrants(grantsFile('{ not json'))).toThrow(/cannot read GATEWAY_ROUTE_GRANTS_FILE/);
  const bad = grantsFile({ grants: [{ service: 'Evil\nname', prefixes: ['/ok', '/health', 'x'], reason: 'r' }, { service: 'b', prefixes: [] }] });
  let message = '';
  try {
    loadRouteGrants(bad);
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toContain('grants.0.service: must be a service name');
  expect(message).toContain('grants.0.prefixes.1: "/health" is reserved by the gateway');
  expect(message).toContain('grants.0.prefixes.2: "x" is not a path prefix');
  expect(message).toContain('grants.1.prefixes: Array must contain at least 1 element(s)');
  expect(message).toContain('grants.1.reason: Required');
});
