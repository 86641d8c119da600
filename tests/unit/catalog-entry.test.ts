import { instanceHealth, parseHealthEntry } from '@platform/service-kit';
import { CheckIndex, NameIndex, type StateCheck } from '@platform/service-kit/dist/discovery/catalog-changes';

type Entry = Parameters<typeof parseHealthEntry>[0];

const entry = (service: Partial<Entry['Service']> = {}, node: Partial<Entry['Node']> = {}): Entry => ({
  Node: { Node: 'node-1', Address: '127.0.0.1', ...node },
  Service: { ID: 'users-1', Service: 'users', Address: '10.0.0.5', Port: 4001, Tags: ['v1'], Meta: { protocol: 'http', 'metrics-port': '4001' }, ...service },
  Checks: [
    { CheckID: 'serfHealth', Status: 'passing', ServiceID: '' },
    { CheckID: 'service:users-1', Status: 'passing', ServiceID: 'users-1' },
  ],
});

const reasonFor = (e: Entry): string | undefined => {
  const verdict = parseHealthEntry(e);
  return verdict.ok ? undefined : verdict.reason;
};

test('a well-formed entry becomes an instance, taking the node address when the service has none', () => {
  const verdict = parseHealthEntry(entry({ Address: '' }));
  expect(verdict).toEqual({ ok: true, instance: { id: 'users-1', service: 'users', node: 'node-1', address: '127.0.0.1', port: 4001, tags: ['v1'], meta: { protocol: 'http', 'metrics-port': '4001' }, health: 'passing' } });
  expect(parseHealthEntry(entry({ Address: 'db-1.internal.example' })).ok).toBe(true);
  expect(parseHealthEntry(entry({ Address: 'fd00::5' })).ok).toBe(true);
});

test.each([
  ['a service name with a newline', { Service: 'users\nbackend evil' }],
  ['a service name with ||', { Service: 'a||b' }],
  ['a service name with spaces', { Service: 'my service' }],
  ['a service name in capitals', { Service: 'Users' }],
  ['an instance id with a semicolon', { ID: 'u1; shutdown sessions' }],
  ['an address with a semicolon', { Address: '10.0.0.5; set server x' }],
  ['an address that is neither an IP nor a hostname', { Address: 'not an ip!' }],
  ['port 0', { Port: 0 }],
  ['port 70000', { Port: 70000 }],
  ['a meta value with a newline', { Meta: { protocol: 'http', note: 'a\nb' } }],
  ['a meta key with a space', { Meta: { 'a b': 'x' } }],
  ['a metrics-port that is not a port', { Meta: { 'metrics-port': '99999' } }],
  ['a gateway-prefix with a space', { Meta: { 'gateway-prefix': '/users /admin' } }],
  ['a tag with a quote', { Tags: ['"x'] }],
])('%s is dropped with a reason', (_what, service) => {
  expect(reasonFor(entry(service as Partial<Entry['Service']>))).toEqual(expect.any(String));
});

test('a node name with a newline is dropped too', () => {
  expect(reasonFor(entry({}, { Node: 'n1\nx' }))).toMatch(/node name/);
});

test('an instance is passing only when a check of its own passes: no own check, or any critical, is not', () => {
  const serf = { CheckID: 'serfHealth', Status: 'passing', ServiceID: '' };
  const own = (Status: string) => ({ CheckID: 'service:u1', Status, ServiceID: 'u1' });
  expect(instanceHealth([serf])).toBe('critical');
  expect(instanceHealth([serf, own('passing')])).toBe('passing');
  expect(instanceHealth([serf, own('warning')])).toBe('warning');
  expect(instanceHealth([{ ...serf, Status: 'critical' }, own('passing')])).toBe('critical');
  expect(instanceHealth([serf, own('passing'), { CheckID: '_service_maintenance:u1', Status: 'critical', ServiceID: 'u1' }])).toBe('maintenance');
});

const check = (service: string, id: string, Status: string, ModifyIndex: number, Node = 'n1'): StateCheck => ({ Node, CheckID: `c-${id}`, Status, ServiceID: id, ServiceName: service, ModifyIndex });
const serf = (Status: string, Node = 'n1'): StateCheck => ({ Node, CheckID: 'serfHealth', Status, ServiceID: '', ServiceName: '', ModifyIndex: 1 });

test('the checks index names only the services whose checks moved: a flip, a new instance, a vanished one, a node going down', () => {
  const index = new CheckIndex();
  expect(index.update([serf('passing'), check('a', 'a1', 'passing', 5), check('b', 'b1', 'passing', 6)], 6)).toEqual(new Set(['a', 'b']));
  expect(index.update([serf('passing'), check('a', 'a1', 'critical', 7), check('b', 'b1', 'passing', 6)], 7)).toEqual(new Set(['a']));
  expect(index.update([serf('passing'), check('a', 'a1', 'critical', 7), check('b', 'b1', 'passing', 6), check('b', 'b2', 'critical', 8)], 8)).toEqual(new Set(['b']));
  expect(index.update([serf('passing'), check('a', 'a1', 'critical', 7), check('b', 'b1', 'passing', 6)], 9)).toEqual(new Set(['b']));
  expect(index.lastCheckChange).toBe(9);
  expect(index.update([serf('critical'), check('a', 'a1', 'critical', 7), check('b', 'b1', 'passing', 6), check('c', 'c1', 'passing', 3, 'n2'), serf('passing', 'n2')], 10)).toEqual(new Set(['a', 'b', 'c']));
});

test('the names index tells names that came, went or changed tags', () => {
  const names = new NameIndex();
  expect(names.update({ a: [], b: ['x'] })).toEqual({ changed: new Set(['a', 'b']), removed: new Set() });
  expect(names.update({ a: [], b: ['x', 'y'], c: null as unknown as string[] })).toEqual({ changed: new Set(['b', 'c']), removed: new Set() });
  expect(names.update({ b: ['y', 'x'], c: [] })).toEqual({ changed: new Set(), removed: new Set(['a']) });
});
