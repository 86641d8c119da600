import { describeUpstreamFailure, isBareGatewayError } from '@platform/gateway/dist/proxy/upstream-errors';

const wrapped = (code: string): Error => Object.assign(new Error('wrapped'), { code: 'FST_REPLY_FROM_INTERNAL_SERVER_ERROR', cause: Object.assign(new Error(code), { code }) });

test('could not connect is 503 with a retry hint, no answer in time 504, a broken answer 502', () => {
  expect(describeUpstreamFailure(wrapped('ECONNREFUSED'), 'users')).toMatchObject({ status: 503, retryAfter: 1, detail: 'The users service cannot be reached right now.' });
  expect(describeUpstreamFailure(Object.assign(new Error('t'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'users').status).toBe(503);
  expect(describeUpstreamFailure(Object.assign(new Error('t'), { code: 'FST_REPLY_FROM_GATEWAY_TIMEOUT' }), 'users').status).toBe(504);
  expect(describeUpstreamFailure(wrapped('UND_ERR_BODY_TIMEOUT'), 'users').status).toBe(504);
  expect(describeUpstreamFailure(wrapped('ECONNRESET'), 'users').status).toBe(502);
  expect(describeUpstreamFailure(new Error('something else'), 'users').status).toBe(502);
});

test("a load balancer's own error page is rewritten, a service's JSON answer is not", () => {
  expect(isBareGatewayError(503, 'text/html')).toBe(true);
  expect(isBareGatewayError(504, undefined)).toBe(true);
  expect(isBareGatewayError(503, 'application/problem+json')).toBe(false);
  expect(isBareGatewayError(500, 'text/html')).toBe(false);
});
