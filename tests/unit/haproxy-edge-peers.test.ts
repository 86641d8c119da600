import type { WatchedInstance } from '@platform/service-kit';
import { membershipKey, peersFromCatalog } from '@platform/haproxy/dist/edge-peers';

const self = { name: 'lb-edge-a', addr: { host: '10.0.1.5', port: 7001 } };
const edge = (id: string, address: string, extra: Partial<WatchedInstance> = {}): WatchedInstance => ({
  id,
  service: 'lb-controller',
  node: id,
  address,
  port: 9000,
  tags: ['edge'],
  meta: { 'edge-peer-port': '7001' },
  health: 'passing',
  ...extra,
});

test('the peers are this edge and every passing edge controller that declares a peer port, sorted by name', () => {
  const catalog = [
    edge('lb-edge-c', '10.0.3.5'),
    edge('lb-edge-b', '10.0.2.5', { health: 'warning' }),
    edge('lb-internal-b', '10.0.2.5', { tags: ['internal'] }),
    edge('lb-edge-d', '10.0.4.5', { meta: {} }),
    edge('lb-edge-e', '10.0.5.5', { health: 'critical' }),
    edge('lb-edge-a', '10.9.9.9'),
  ];
  expect(peersFromCatalog(catalog, self).map((m) => `${m.name} ${m.addr.host}:${m.addr.port}`)).toEqual(['lb-edge-a 10.0.1.5:7001', 'lb-edge-b 10.0.2.5:7001', 'lb-edge-c 10.0.3.5:7001']);
});

test('an edge whose id cannot be a peer name or whose address is a hostname is left out and told once', () => {
  const rejected: string[] = [];
  const members = peersFromCatalog([edge('lb:edge@b', '10.0.2.5'), edge('lb-edge-c', 'edge-c.internal'), edge('lb-edge-d', '::1')], self, (i, reason) => rejected.push(`${i.id}: ${reason}`));
  expect(members).toEqual([self]);
  expect(rejected).toEqual([expect.stringMatching(/^lb:edge@b: its instance id/), expect.stringMatching(/^lb-edge-c: its address is not an IPv4/), expect.stringMatching(/^lb-edge-d: its address is not an IPv4/)]);
});

test('the same members in another order are the same membership (no reload for a reordered catalog)', () => {
  const a = peersFromCatalog([edge('lb-edge-b', '10.0.2.5'), edge('lb-edge-c', '10.0.3.5')], self);
  const b = peersFromCatalog([edge('lb-edge-c', '10.0.3.5'), edge('lb-edge-b', '10.0.2.5')], self);
  expect(membershipKey(a)).toBe(membershipKey(b));
  expect(membershipKey(a)).not.toBe(membershipKey(peersFromCatalog([edge('lb-edge-b', '10.0.2.5')], self)));
});
