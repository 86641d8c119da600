import { SpanKind, SpanStatusCode, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeTraceExport } from '@platform/service-kit/dist/tracing/otlp-protobuf';

/** A protobuf message read back as its fields (number → values, in order): what a receiver sees. */
type Fields = Map<number, (bigint | Buffer)[]>;

function readVarint(buf: Buffer, at: { pos: number }): bigint {
  let value = 0n;
  for (let shift = 0n; ; shift += 7n) {
    const byte = buf[at.pos++] as number;
    value |= BigInt(byte & 127) << shift;
    if (byte < 128) return value;
  }
}

function decode(buf: Buffer): Fields {
  const fields: Fields = new Map();
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const key = Number(readVarint(buf, at));
    const wire = key & 7;
    let value: bigint | Buffer;
    if (wire === 0) value = readVarint(buf, at);
    else if (wire === 1) value = buf.readBigUInt64LE((at.pos += 8) - 8);
    else if (wire === 5) value = BigInt(buf.readUInt32LE((at.pos += 4) - 4));
    else if (wire === 2) {
      const length = Number(readVarint(buf, at));
      value = buf.subarray(at.pos, (at.pos += length));
    } else throw new Error(`wire type ${wire}`);
    fields.set(key >>> 3, [...(fields.get(key >>> 3) ?? []), value]);
  }
  expect(at.pos).toBe(buf.length);
  return fields;
}

const all = (fields: Fields, n: number): Fields[] => (fields.get(n) ?? []).map((v) => decode(v as Buffer));
const one = (fields: Fields, n: number): Fields => all(fields, n)[0] as Fields;
const text = (fields: Fields, n: number): string | undefined => (fields.get(n)?.[0] as Buffer | undefined)?.toString('utf8');
const hex = (fields: Fields, n: number): string | undefined => (fields.get(n)?.[0] as Buffer | undefined)?.toString('hex');
const num = (fields: Fields, n: number): bigint | undefined => fields.get(n)?.[0] as bigint | undefined;
/** KeyValue list → { key: AnyValue's fields }. */
const attributes = (list: Fields[]): Record<string, Fields> => Object.fromEntries(list.map((kv) => [text(kv, 1), one(kv, 2)]));

const resource = { attributes: { 'service.name': 'users', 'service.instance.id': 'users-1' } };
const scope = { name: '@platform/service-kit' };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function span(name: string, spanId: string, more: Partial<ReadableSpan> = {}): ReadableSpan {
  const start: HrTime = [1_764_684_000, 123_456_789];
  return {
    name,
    kind: SpanKind.SERVER,
    spanContext: () => ({ traceId: TRACE, spanId, traceFlags: 1 }),
    startTime: start,
    endTime: [1_764_684_001, 5],
    duration: [0, 881_543_216],
    ended: true,
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    resource: resource as unknown as ReadableSpan['resource'],
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...more,
  };
}

test("a batch reads back as OTLP's ExportTraceServiceRequest: the resource once, the scope, each span's ids, parent, name, kind, times, attributes, status and events", () => {
  const server = span('GET /users/:id', '00f067aa0ba902b7', {
    parentSpanContext: { traceId: TRACE, spanId: 'aaaaaaaaaaaaaaaa', traceFlags: 1, isRemote: true },
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 503, ratio: 0.25, cached: false, tags: ['a', 'é'], negative: -2 },
    status: { code: SpanStatusCode.ERROR, message: 'failed' },
    events: [{ name: 'exception', time: [1_764_684_000, 900_000_000], attributes: { 'exception.message': 'boom' } }],
  });
  const query = span('SELECT users', '1111111111111111', { kind: SpanKind.CLIENT, parentSpanContext: { traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: 1 }, attributes: { 'db.system.name': 'postgresql' } });

  const request = decode(encodeTraceExport([server, query]));
  const [resourceSpans] = all(request, 1);
  expect(all(request, 1)).toHaveLength(1);
  const resourceAttributes = attributes(all(one(resourceSpans as Fields, 1), 1));
  expect(text(resourceAttributes['service.name'] as Fields, 1)).toBe('users');
  const scopeSpans = one(resourceSpans as Fields, 2);
  expect(text(one(scopeSpans, 1), 1)).toBe('@platform/service-kit');
  const [s, q] = all(scopeSpans, 2) as [Fields, Fields];

  expect([hex(s, 1), hex(s, 2), hex(s, 4), text(s, 5), num(s, 6)]).toEqual([TRACE, '00f067aa0ba902b7', 'aaaaaaaaaaaaaaaa', 'GET /users/:id', 2n]);
  expect([num(s, 7), num(s, 8)]).toEqual([1_764_684_000_123_456_789n, 1_764_684_001_000_000_005n]);
  const a = attributes(all(s, 9));
  expect(text(a['http.request.method'] as Fields, 1)).toBe('GET');
  expect(num(a['http.response.status_code'] as Fields, 3)).toBe(503n);
  const double = Buffer.alloc(8);
  double.writeBigUInt64LE(num(a.ratio as Fields, 4) as bigint);
  expect(double.readDoubleLE()).toBe(0.25);
  expect(num(a.cached as Fields, 2)).toBe(0n);
  expect(all(one(a.tags as Fields, 5), 1).map((v) => text(v, 1))).toEqual(['a', 'é']);
  expect(BigInt.asIntN(64, num(a.negative as Fields, 3) as bigint)).toBe(-2n);
  const status = one(s, 15);
  expect([text(status, 2), num(status, 3)]).toEqual(['failed', 2n]);
  const [event] = all(s, 11) as [Fields];
  expect([num(event, 1), text(event, 2), text(attributes(all(event, 3))['exception.message'] as Fields, 1)]).toEqual([1_764_684_000_900_000_000n, 'exception', 'boom']);
  // Flags: sampled, and the parent known to be remote (it came in a traceparent).
  expect(num(s, 16)).toBe(0x301n);

  expect([hex(q, 2), hex(q, 4), text(q, 5), num(q, 6), num(q, 16)]).toEqual(['1111111111111111', '00f067aa0ba902b7', 'SELECT users', 3n, 0x101n]);
  expect(q.has(15)).toBe(false);
});

test('a batch longer than a one-byte and a two-byte length reads back whole, every span in order', () => {
  const spans = Array.from({ length: 600 }, (_, i) => span(`span ${i}`, i.toString(16).padStart(16, '0'), { attributes: { 'http.route': '/users/:id' } }));
  const body = encodeTraceExport(spans, 16);
  expect(body.length).toBeGreaterThan(16_384);
  const scopeSpans = one(one(decode(body), 1), 2);
  expect(all(scopeSpans, 2).map((s) => text(s, 5))).toEqual(spans.map((s) => s.name));
});
