import { requestContext } from '@platform/service-kit';
import { requestIdFrom } from '@platform/service-kit/dist/http/request-id';
import { TRACEPARENT_CASES, traceIdOf } from '../harness/traceparent-cases';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

test("a span started in a caller's context keeps its trace id and names itself as the next parent; with no trace store it is not sampled", async () => {
  const caller = requestContext.fromHeaders({ traceparent: CALLER });
  expect(caller).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: '01' });
  const next = await requestContext.inSpan('work', {}, caller, async (rc) => {
    expect(rc.traceId).toBe(caller.traceId);
    expect(rc.spanId).not.toBe(caller.spanId);
    return requestContext.outgoingHeaders().traceparent;
  });
  // No TRACING_OTLP_URL in this process: nothing is recorded, so the next hop is told so.
  expect(next).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
  expect(next?.split('-')[2]).not.toBe('00f067aa0ba902b7');
});

test('a missing or invalid traceparent starts a new trace, not sampled when no trace store is configured', async () => {
  const invalid = [
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
  ];
  for (const value of invalid) {
    const rc = requestContext.fromHeaders({ traceparent: value });
    expect(rc.traceId).toBe('');
    const next = await requestContext.inSpan('work', {}, rc, async () => requestContext.outgoingHeaders().traceparent);
    const [, traceId] = TRACEPARENT.exec(next ?? '') ?? [];
    expect(next).toMatch(/-00$/);
    expect(traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  }
  // A later version may append fields; its first four are still used.
  expect(requestContext.fromHeaders({ traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next' }).traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
});

test("a caller's request id is kept when printable and 8 to 128 characters long, and replaced otherwise", () => {
  expect(requestIdFrom('req-abcdef12')).toBe('req-abcdef12');
  for (const bad of [undefined, 'short', 'bad id\r\n', 'x'.repeat(129), ['req-abcdef12', 'req-abcdef13']]) {
    expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(requestContext.fromHeaders({ 'x-request-id': 'bad id\r\n' }).requestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('outside a request there are no context headers; inside one they name its id and active span', async () => {
  expect(requestContext.outgoingHeaders()).toEqual({});
  await requestContext.inSpan('work', {}, requestContext.fromHeaders({ 'x-request-id': 'req-abcdef12', traceparent: CALLER }), async (rc) => {
    expect(requestContext.outgoingHeaders()).toEqual({ 'x-request-id': 'req-abcdef12', traceparent: `00-${rc.traceId}-${rc.spanId}-${rc.traceFlags}` });
  });
});

test('the services continue exactly the traces the shared list calls valid (the edge HAProxy is held to the same list)', () => {
  const verdicts = TRACEPARENT_CASES.map(({ header, why }) => ({ why, valid: requestContext.fromHeaders({ traceparent: header }).traceId === traceIdOf(header) }));
  expect(verdicts).toEqual(TRACEPARENT_CASES.map(({ why, valid }) => ({ why, valid })));
});

test('a span ends marked as an error when its work throws, and the error reaches the caller', async () => {
  await expect(requestContext.inSpan('work', {}, undefined, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
});
