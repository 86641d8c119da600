import { followedBy, followsMeta } from '../../platform/haproxy/src/roles';
import { controllerFollows, parseHealthEntry } from '@platform/service-kit';

describe('which controllers an instance waits for when it drains', () => {
  test('the edge and internal controllers follow every routed service, not Consul or the controllers themselves', () => {
    for (const role of ['edge', 'internal'] as const) {
      const meta = followsMeta(role);
      expect(['users', 'orders', 'postgres', 'cluster-health'].map((s) => controllerFollows(meta, s))).toEqual([true, true, true, true]);
      expect(['consul', 'lb-controller'].map((s) => controllerFollows(meta, s))).toEqual([false, false]);
    }
  });

  test('the database controller follows only the database servers', () => {
    const meta = followsMeta('db');
    expect(controllerFollows(meta, 'postgres')).toBe(true);
    expect(['users', 'gateway', 'lb-controller'].map((s) => controllerFollows(meta, s))).toEqual([false, false, false]);
  });

  test('a controller without the meta (an older one too) follows every routed service', () => {
    expect(controllerFollows(undefined, 'users')).toBe(true);
    expect(controllerFollows({ version: '0.1.0' }, 'users')).toBe(true);
  });

  test('the meta passes the catalog checks every reader applies (Prometheus dropped controllers with a `*` value)', () => {
    for (const role of ['edge', 'internal', 'db'] as const) {
      const entry = { Node: { Node: 'node-1', Address: '127.0.0.1' }, Service: { ID: `lb-${role}-node-1`, Service: 'lb-controller', Address: '127.0.0.1', Port: 8080, Tags: [role], Meta: { protocol: 'http', ...followsMeta(role) } }, Checks: [] };
      expect(parseHealthEntry(entry)).toMatchObject({ ok: true, instance: { id: `lb-${role}-node-1` } });
    }
  });

  test('what a controller watches and whom it confirms are the same rule', () => {
    for (const role of ['edge', 'internal', 'db'] as const) {
      const watches = followedBy(role);
      for (const service of ['users', 'postgres', 'consul', 'lb-controller']) expect(watches(service)).toBe(controllerFollows(followsMeta(role), service));
    }
  });
});
