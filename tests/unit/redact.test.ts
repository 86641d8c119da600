import { makeRedactor, REDACTED, scrubText } from '@platform/service-kit';

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

test('names built around a secret word and dotted ECS keys are redacted too', () => {
  const redact = makeRedactor();
  const out = redact({
    'http.request.headers.authorization': 'Basic dXNlcjpwYXNz',
    headers: { 'x-auth-token': 't1', 'x-amz-security-token': 't2', 'user-agent': 'curl' },
    body: { newPassword: 'p1', stripe_api_key: 'k1', clientCredentials: 'c1', tokens: 3, sessionId: 's1' },
  });
  expect(out).toEqual({
    'http.request.headers.authorization': REDACTED,
    headers: { 'x-auth-token': REDACTED, 'x-amz-security-token': REDACTED, 'user-agent': 'curl' },
    body: { newPassword: REDACTED, stripe_api_key: REDACTED, clientCredentials: REDACTED, tokens: 3, sessionId: REDACTED },
  });
});

test('credentials inside free text are scrubbed: auth schemes, query strings, JSON fragments', () => {
  expect(scrubText('upstream said 401 for Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe('upstream said 401 for Bearer [REDACTED]');
  expect(scrubText('/login?token=abc123&page=2')).toBe('/login?token=[REDACTED]&page=2');
  expect(scrubText('bad body {"user":"ann","password":"hunter2"}')).toBe('bad body {"user":"ann","password":"[REDACTED]"}');
  expect(scrubText('api_key: k-42, retrying')).toBe('api_key: [REDACTED], retrying');
  expect(scrubText('nothing secret here: id=42')).toBe('nothing secret here: id=42');
});

test('structures deeper than a log line needs are cut, not passed through unchecked', () => {
  let deep: Record<string, unknown> = { password: 'p' };
  for (let i = 0; i < 12; i += 1) deep = { next: deep };
  expect(JSON.stringify(makeRedactor()(deep))).not.toContain('"p"');
});
