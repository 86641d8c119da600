import { registerAtStart } from '@platform/service-kit/dist/lifecycle/register-at-start';

/** A stand-in agent: answers each registration with the next outcome of its script. */
function agent(outcomes: (Error | 'ok')[]): { register(): Promise<void>; calls: number } {
  const a = {
    calls: 0,
    async register() {
      const outcome = outcomes[a.calls] ?? 'ok';
      a.calls += 1;
      if (outcome !== 'ok') throw outcome;
    },
  };
  return a;
}

const status = (code: number): Error => Object.assign(new Error(`status ${code}`), { statusCode: code });
const timedOut = (): Error => new Error('request timed out (2000ms)');

test('a registration the agent is too busy to answer is tried again until it goes through', async () => {
  const slow = agent([timedOut(), status(500), 'ok']);
  await registerAtStart(slow, async () => true, Date.now() + 10_000);
  expect(slow.calls).toBe(3);
});

test('a refusal no retry can change (403: the token lacks the right) fails at once', async () => {
  const denied = agent([status(403)]);
  await expect(registerAtStart(denied, async () => true, Date.now() + 10_000)).rejects.toThrow('status 403');
  expect(denied.calls).toBe(1);
});

test('an agent still busy at the deadline fails the start with its last error', async () => {
  const busy = agent(Array.from({ length: 100 }, timedOut));
  await expect(registerAtStart(busy, async () => true, Date.now() + 300)).rejects.toThrow('timed out');
  expect(busy.calls).toBeLessThan(100);
});
