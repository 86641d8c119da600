import { nextTraceparent, parseTraceparent } from '@platform/gateway/dist/proxy/trace-context';

test('a valid traceparent keeps its trace id and flags; the gateway becomes the parent', () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const next = nextTraceparent(incoming);
  expect(next).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  expect(next).not.toBe(incoming);
});

test('invalid or missing headers start a new trace', () => {
  const invalid = [
    undefined,
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x'],
  ];
  for (const value of invalid) {
    expect(parseTraceparent(value)).toBeUndefined();
    const next = nextTraceparent(value);
    expect(next).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(parseTraceparent(next)).toBeDefined();
  }
  // A later version may append fields; its first four are still used.
  expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next')?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
});

test("inside the kit's request context, the context's trace and span are passed on", () => {
  const hop = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '1111111111111111', traceFlags: '01' };
  expect(nextTraceparent('garbage', hop)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01');
});
