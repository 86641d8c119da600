import type { ServicesSnapshot, WatchedInstance } from '@platform/service-kit';
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
  const table = buildRouteTable(snapshot(instance('users', route('/users')), instance('reports', route('/users/reports', 'public')), instance('plain', {})), emptyRouteTable(), 'gateway');
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
});

test('a prefix claimed by two services stays with the one that held it', () => {
  const first = buildRouteTable(snapshot(instance('zeta', route('/shared'))), emptyRouteTable(), 'gateway');
  const both = buildRouteTable(snapshot(instance('zeta', route('/shared')), instance('alpha', route('/shared'))), first, 'gateway');
  expect(matchRoute(both, '/shared')?.service).toBe('zeta');
  expect(both.rejected).toEqual(['alpha: gateway-prefix /shared is already routed to zeta']);
  // With no history, the first by name wins, so every gateway instance decides the same way.
  const fresh = buildRouteTable(snapshot(instance('zeta', route('/shared')), instance('alpha', route('/shared'))), emptyRouteTable(), 'gateway');
  expect(matchRoute(fresh, '/shared')?.service).toBe('alpha');
});
