import { context, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';

/**
 * The spans of PostgreSQL statements, made by the kit's database layer itself (db/database.ts)
 * around each statement it sends for a request or an event: a client span named for what the
 * statement does to which table (`SELECT users`, `INSERT outbox`, `BEGIN`), with `db.system.name`
 * and, when it fails, PostgreSQL's error code. No instrumentation of `pg`: it gave every query five
 * attributes (the SQL text, the database, the server's address and port), two promises and a
 * metric, and patched the pool and client, for a span whose name said only `pg.query:SELECT`.
 * The statement's text stays out of the span: the summary finds it in the service's code, and a
 * trace is not where a query's values or a long text should travel at every request.
 */
const kitTracer = trace.getTracer('@platform/service-kit');

/**
 * First keyword, and the table a statement reads or writes when the keyword names one; a SELECT
 * from no table is named by the function it calls first (`SELECT pg_current_wal_lsn`).
 */
const OPERATION = /^\s*([A-Za-z]+)/;
const FIRST_CALL = /^\s*SELECT\s+(?:CASE\s+WHEN\s+)?([A-Za-z_][\w$.]*)\s*\(/i;
const TARGET: Record<string, RegExp> = {
  SELECT: /\bFROM\s+("[^"]+"|[A-Za-z_][\w$.]*)/i,
  DELETE: /\bFROM\s+("[^"]+"|[A-Za-z_][\w$.]*)/i,
  INSERT: /\bINTO\s+("[^"]+"|[A-Za-z_][\w$.]*)/i,
  UPDATE: /^\s*UPDATE\s+(?:ONLY\s+)?("[^"]+"|[A-Za-z_][\w$.]*)/i,
};

/**
 * `SELECT users`, `INSERT orders`, `COMMIT`: a short name of what `sql` does, the same for every
 * call of a statement whatever its values (low cardinality, as a span's name must be).
 */
export function querySummary(sql: string): string {
  const operation = OPERATION.exec(sql)?.[1]?.toUpperCase();
  if (!operation) return 'query';
  const target = TARGET[operation]?.exec(sql)?.[1] ?? (operation === 'SELECT' ? FIRST_CALL.exec(sql)?.[1] : undefined);
  return target ? `${operation} ${target}` : operation;
}

// A service's statements are literals in its code: a few dozen texts, each summarised once.
const summaries = new Map<string, string>();
const SUMMARIES_KEPT = 1_000;
const summaryOf = (sql: string): string => {
  let summary = summaries.get(sql);
  if (summary === undefined) {
    summary = querySummary(sql);
    if (summaries.size < SUMMARIES_KEPT) summaries.set(sql, summary);
  }
  return summary;
};

/**
 * Runs statement `sql` (`send`) in a span of the request or event being served, when that one is
 * recorded; with no recorded span active (the outbox relay's polling, migrations, readiness checks,
 * an unsampled request) it is sent as it is, at no cost. Nothing runs inside the span: it is not
 * made current. (`tracer`: the kit's; a test gives its own.)
 */
export function inQuerySpan<T>(sql: string, send: () => Promise<T>, tracer: Pick<Tracer, 'startSpan'> = kitTracer): Promise<T> {
  if (!trace.getSpan(context.active())?.isRecording()) return send();
  const span = tracer.startSpan(summaryOf(sql), { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } });
  const failed = (err: unknown): never => {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
    // PostgreSQL's message may quote a caller's value: the error code says what failed.
    span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? `PostgreSQL error ${code}` : 'PostgreSQL error' });
    span.end();
    throw err;
  };
  let sent: Promise<T>;
  try {
    sent = send();
  } catch (err) {
    return failed(err);
  }
  return sent.then((result) => {
    span.end();
    return result;
  }, failed);
}
