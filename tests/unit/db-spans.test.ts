import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
// The kit's import starts its tracing: OTel's context (AsyncLocalStorage) is the kit's, as in a service.
import '@platform/service-kit';
import { inQuerySpan, querySummary } from '@platform/service-kit/dist/tracing/db-spans';

const exported = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exported })] });
const tracer = provider.getTracer('db-spans-test');
const finished = async () => {
  await provider.forceFlush();
  return exported.getFinishedSpans();
};

beforeEach(() => exported.reset());

test('a statement is summarised by its operation and the table it reads or writes, whatever its values', () => {
  expect(querySummary('SELECT id, email, name FROM users WHERE id = $1')).toBe('SELECT users');
  expect(querySummary('INSERT INTO outbox (event_id, topic) VALUES ($1, $2)')).toBe('INSERT outbox');
  expect(querySummary('  update only "Orders" SET total = $1 WHERE id = $2')).toBe('UPDATE "Orders"');
  expect(querySummary('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox LIMIT 10000)')).toBe('DELETE outbox');
  expect(querySummary('BEGIN')).toBe('BEGIN');
  expect(querySummary('commit;')).toBe('COMMIT');
  expect(querySummary('SELECT pg_current_wal_lsn()::text AS lsn')).toBe('SELECT pg_current_wal_lsn');
  expect(querySummary('SELECT pg_is_in_recovery() AS standby, CASE WHEN pg_is_in_recovery() THEN NULL END AS current')).toBe('SELECT pg_is_in_recovery');
  expect(querySummary('SELECT 1')).toBe('SELECT');
  expect(querySummary('  ')).toBe('query');
});

test("a statement sent while a recorded span is active is that span's child, named by its summary, and not made current", async () => {
  const request = tracer.startSpan('GET /users/:id');
  const answer = await context.with(trace.setSpan(context.active(), request), () =>
    inQuerySpan('SELECT * FROM users WHERE id = $1', async () => trace.getSpan(context.active()), tracer),
  );
  request.end();
  expect(answer).toBe(request);
  const [query] = await finished();
  expect(query).toMatchObject({ name: 'SELECT users', kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } });
  expect(query?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  expect(query?.spanContext().traceId).toBe(request.spanContext().traceId);
});

test('a statement sent outside a request, or for one not recorded, gets no span', async () => {
  await expect(inQuerySpan('SELECT 1', async () => 1, tracer)).resolves.toBe(1);
  const unsampled = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });
  await expect(context.with(trace.setSpan(context.active(), unsampled), () => inQuerySpan('SELECT 1', async () => 2, tracer))).resolves.toBe(2);
  expect(await finished()).toHaveLength(0);
});

test("a failed statement's span is an error naming PostgreSQL's code, never its message (which may quote a value); the error reaches the caller", async () => {
  const failure = Object.assign(new Error('invalid input syntax for type uuid: "secret-ish"'), { code: '22P02' });
  const request = tracer.startSpan('GET /users/:id');
  const sent = context.with(trace.setSpan(context.active(), request), () => inQuerySpan('SELECT * FROM users WHERE id = $1', () => Promise.reject(failure), tracer));
  await expect(sent).rejects.toBe(failure);
  request.end();
  const [query] = await finished();
  expect(query?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'PostgreSQL error 22P02' });
  expect(query?.attributes).toEqual({ 'db.system.name': 'postgresql', 'db.response.status_code': '22P02' });
});
