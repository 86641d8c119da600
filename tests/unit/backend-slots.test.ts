import type { InstanceHealth, WatchedInstance } from '@platform/service-kit';
import { BackendSlots } from '@platform/haproxy/dist/backend-slots';

const instance = (id: string, port: number, health: InstanceHealth = 'passing'): WatchedInstance => ({
  id,
  service: 'users',
  node: 'n1',
  address: '127.0.0.1',
  port,
  tags: [],
  meta: { protocol: 'http' },
  health,
});

test('a new passing instance takes a free slot: address first, then ready', () => {
  const slots = new BackendSlots('svc_users', 8);
  const plan = slots.plan([instance('u1', 4001)]);
  expect(plan.commands).toEqual(['set server svc_users/s1 addr 127.0.0.1 port 4001', 'set server svc_users/s1 state ready']);
  expect(plan.changes).toEqual([{ instanceId: 'u1', slot: 's1', to: 'ready' }]);
  expect(slots.plan([instance('u1', 4001)]).commands).toEqual([]);
});

test('maintenance drains, critical goes to maint, a vanished instance frees its slot for the next one', () => {
  const slots = new BackendSlots('svc_users', 8);
  slots.plan([instance('u1', 4001), instance('u2', 4002)]);
  expect(slots.plan([instance('u1', 4001, 'maintenance'), instance('u2', 4002, 'critical')]).commands).toEqual([
    'set server svc_users/s1 state drain',
    'set server svc_users/s2 state maint',
  ]);
  const next = slots.plan([instance('u2', 4002, 'critical'), instance('u3', 4003)]);
  expect(next.changes).toContainEqual({ instanceId: 'u1', slot: 's1', to: 'removed' });
  expect(next.commands).toEqual(['set server svc_users/s1 state maint', 'set server svc_users/s1 addr 127.0.0.1 port 4003', 'set server svc_users/s1 state ready']);
});

test('an instance restarted on another port keeps its slot and is moved there', () => {
  const slots = new BackendSlots('svc_users', 8);
  slots.plan([instance('u1', 4001)]);
  expect(slots.plan([instance('u1', 5001)]).commands).toEqual([
    'set server svc_users/s1 state maint',
    'set server svc_users/s1 addr 127.0.0.1 port 5001',
    'set server svc_users/s1 state ready',
  ]);
});

test('a critical newcomer gets no slot, and more instances than slots ask for a reload', () => {
  const slots = new BackendSlots('svc_users', 2);
  expect(slots.plan([instance('u1', 4001, 'critical')]).commands).toEqual([]);
  const plan = slots.plan([instance('u1', 4001), instance('u2', 4002), instance('u3', 4003)]);
  expect(plan.overflow).toBe(true);
  const grown = new BackendSlots('svc_users', BackendSlots.sizeFor(3), slots.slots);
  const regrown = grown.plan([instance('u1', 4001), instance('u2', 4002), instance('u3', 4003)]);
  expect(regrown.overflow).toBe(false);
  expect(grown.slots.filter((s) => s.instanceId).map((s) => s.instanceId)).toEqual(['u1', 'u2', 'u3']);
});
