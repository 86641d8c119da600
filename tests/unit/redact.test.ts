import { makeRedactor, REDACTED } from '@platform/service-kit';

test('secret-looking keys are replaced at any depth, other values kept', () => {
  const redact = makeRedactor(['ssn']);
  const out = redact({
    headers: { authorization: 'Bearer abc', Cookie: 'sid=1', 'x-request-id': 'r1' },
    body: { user: { password: 'hunter2', name: 'Ann', ssn: '123' }, items: [{ apiKey: 'k', sku: 's' }] },
  });
  expect(out).toEqual({
    headers: { authorization: REDACTED, Cookie: REDACTED, 'x-request-id': 'r1' },
    body: { user: { password: REDACTED, name: 'Ann', ssn: REDACTED }, items: [{ apiKey: REDACTED, sku: 's' }] },
  });
});
