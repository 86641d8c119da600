import { instanceHealth, parseHealthEntry } from '@platform/service-kit';
import { NameIndex, ProblemChecks, Registrations, type StateCheck } from '@platform/service-kit/dist/discovery/catalog-changes';

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

const check = (service: string, id: string, Status: string, Node = 'n1'): StateCheck => ({ Node, CheckID: `c-${id}`, Status, ServiceID: id, ServiceName: service });
const serf = (Status: string, Node = 'n1'): StateCheck => ({ Node, CheckID: 'serfHealth', Status, ServiceID: '', ServiceName: '' });

test('the failing checks name only the services that flipped, and the nodes whose own checks moved', () => {
  const problems = new ProblemChecks();
  expect(problems.update([check('a', 'a1', 'critical')])).toEqual({ services: new Set(['a']), nodes: new Set() });
  expect(problems.update([check('a', 'a1', 'critical'), check('b', 'b1', 'warning')])).toEqual({ services: new Set(['b']), nodes: new Set() });
  expect(problems.update([check('b', 'b1', 'warning'), { ...check('c', 'c1', 'critical'), CheckID: '_service_maintenance:c1' }])).toEqual({ services: new Set(['a', 'c']), nodes: new Set() });
  expect(problems.update([check('b', 'b1', 'critical'), { ...check('c', 'c1', 'critical'), CheckID: '_service_maintenance:c1' }, serf('critical', 'n2')])).toEqual({
    services: new Set(['b']),
    nodes: new Set(['n2']),
  });
});

test('registrations tell a fetched service that changed since its fetch: an instance came, went or was registered again', () => {
  const registrations = new Registrations();
  registrations.replace([
    { node: 'n1', services: [{ ID: 'a1', Service: 'a', ModifyIndex: 5 }, { ID: 'b1', Service: 'b', ModifyIndex: 6 }] },
    { node: 'n2', services: [{ ID: 'a2', Service: 'a', ModifyIndex: 7 }] },
  ]);
  const fetchedA = new Map([['n1/a1', 5], ['n2/a2', 7]]);
  expect(registrations.differ('a', fetchedA)).toBe(false);
  expect(registrations.differ('a', new Map([['n1/a1', 5]]))).toBe(true);
  expect(registrations.differ('b', new Map([['n1/b1', 4]]))).toBe(true);
  expect(registrations.differ('b', undefined)).toBe(true);
  expect(registrations.differ('gone', new Map([['n1/x', 1]]))).toBe(true);
  expect(registrations.instancesOf('a')).toEqual([{ node: 'n1', id: 'a1' }, { node: 'n2', id: 'a2' }]);
});

test('the names index tells names that came, went or changed tags', () => {
  const names = new NameIndex();
  expect(names.update({ a: [], b: ['x'] })).toEqual({ changed: new Set(['a', 'b']), removed: new Set() });
  expect(names.update({ a: [], b: ['x', 'y'], c: null as unknown as string[] })).toEqual({ changed: new Set(['b', 'c']), removed: new Set() });
  expect(names.update({ b: ['y', 'x'], c: [] })).toEqual({ changed: new Set(), removed: new Set(['a']) });
});
