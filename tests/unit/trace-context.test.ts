import { NEW_TRACE_FLAGS, requestContext } from '@platform/service-kit';
import { formatTraceParent, parseTraceParent } from '@platform/service-kit/dist/logging/traceparent';
import { requestIdFrom } from '@platform/service-kit/dist/http/request-id';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test("a hop keeps the caller's trace id and flags and names its own span as the next parent", () => {
  const context = requestContext.fromHeaders({ traceparent: CALLER });
  const next = requestContext.outgoingHeaders(context).traceparent;
  expect(next).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  expect(next).not.toBe(CALLER);
  expect(context.parentSpanId).toBe('00f067aa0ba902b7');
  // An unsampled caller stays unsampled: the platform makes no sampling decision of its own.
  expect(requestContext.outgoingHeaders(requestContext.fromHeaders({ traceparent: CALLER.replace(/01$/, '00') })).traceparent).toMatch(/-00$/);
});

test('a missing or invalid traceparent starts a new trace, not sampled, since the platform records no spans', () => {
  const invalid = [
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    [CALLER, 'x'],
  ];
  expect(NEW_TRACE_FLAGS).toBe('00');
  for (const value of invalid) {
    expect(parseTraceParent(value)).toBeUndefined();
    const next = requestContext.outgoingHeaders(requestContext.fromHeaders({ traceparent: value })).traceparent;
    expect(next).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(parseTraceParent(next)).toBeDefined();
  }
  // A later version may append fields; its first four are still used.
  expect(parseTraceParent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect(formatTraceParent('4bf92f3577b34da6a3ce929d0e0e4736', '1111111111111111', '01')).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01');
});

test("a caller's request id is kept when printable and 8 to 128 characters long, and replaced otherwise", () => {
  expect(requestIdFrom('req-abcdef12')).toBe('req-abcdef12');
  for (const bad of [undefined, 'short', 'bad id\r\n', 'x'.repeat(129), ['req-abcdef12', 'req-abcdef13']]) {
    expect(requestIdFrom(bad)).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(requestContext.fromHeaders({ 'x-request-id': 'bad id\r\n' }).requestId).toMatch(/^[0-9a-f-]{36}$/);
});

test('outside a request there are no context headers; inside one they name its id and span', () => {
  expect(requestContext.outgoingHeaders()).toEqual({});
  const context = requestContext.fromHeaders({ 'x-request-id': 'req-abcdef12', traceparent: CALLER });
  requestContext.run(context, () => {
    expect(requestContext.outgoingHeaders()).toEqual({ 'x-request-id': 'req-abcdef12', traceparent: `00-${context.traceId}-${context.spanId}-01` });
  });
});
