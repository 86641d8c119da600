import { commandsForLive, ReloadGate } from '@platform/haproxy/dist/reload-gate';
import { assertSafeCommand } from '@platform/haproxy/dist/runtime-api';
import { BackendSlots } from '@platform/haproxy/dist/backend-slots';

test('reloads are spaced by the bound: the second of a burst waits for the rest of the interval', () => {
  const gate = new ReloadGate(1_000);
  expect(gate.waitMs(10_000)).toBe(0);
  gate.reloaded(10_000);
  expect(gate.waitMs(10_300)).toBe(700);
  expect(gate.waitMs(11_000)).toBe(0);
});

test('a refused structure is told once and not tried again; another structure is, and a reload clears the refusal', () => {
  const gate = new ReloadGate(0);
  expect(gate.refused('A', 1)).toBe(true);
  expect(gate.refused('A', 2)).toBe(false);
  expect(gate.wasRefused('A')).toBe(true);
  expect(gate.wasRefused('B')).toBe(false);
  gate.reloaded(3);
  expect(gate.refusing).toBe(false);
  expect(gate.refused('A', 4)).toBe(true);
});

test('while a reload waits, only commands for servers the running HAProxy has are sent', () => {
  const live = new Map([['svc_a', 8]]);
  expect(
    commandsForLive(['set server svc_a/s3 state ready', 'set server svc_a/s9 addr 127.0.0.1 port 80', 'set server svc_new/s1 state ready'], live),
  ).toEqual(['set server svc_a/s3 state ready']);
});

test.each(['set server svc_a/s1 addr 10.0.0.1; shutdown sessions server svc_a/s1', 'set server svc_a/s1 addr 10.0.0.1\nshow env', 'set server svc_a/s1 state ready || x', 'show env', 'set server svc a/s1 state ready'])(
  'a runtime command outside the strict charset is refused before it reaches HAProxy: %j',
  (command) => expect(() => assertSafeCommand(command)).toThrow(/unexpected runtime command/),
);

test('the commands the slots plan pass the runtime command check, and an instance whose address is not an IP gets no slot', () => {
  const slots = new BackendSlots('svc_users', 8);
  const base = { service: 'users', node: 'n1', tags: [], meta: { 'check-port': '9000' }, health: 'passing' as const };
  const plan = slots.plan([
    { ...base, id: 'u1', address: 'fd00::1', port: 4001 },
    { ...base, id: 'u2', address: 'db.example', port: 4002 },
  ]);
  for (const command of plan.commands) assertSafeCommand(command);
  expect(plan.changes.map((c) => c.instanceId)).toEqual(['u1']);
});
