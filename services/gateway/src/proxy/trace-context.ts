import { randomBytes } from 'node:crypto';

export const TRACEPARENT_HEADER = 'traceparent';

/** version-traceid-parentid-flags, lowercase hex (W3C Trace Context, level 1). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

export interface TraceParent {
  traceId: string;
  parentId: string;
  flags: string;
}

/** The parts of a valid header; undefined for anything the spec says to discard. */
export function parseTraceparent(value: string | string[] | undefined): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m;
  if (!version || !traceId || !parentId || !flags) return undefined;
  // Version ff is forbidden; version 00 has exactly four fields, later versions may append more.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/** The kit's per-request trace (logging/request-context), when the request runs inside one. */
export interface HopContext {
  traceId: string;
  spanId: string;
  traceFlags: string;
}

/**
 * The traceparent to send upstream. The gateway is a hop of its own, so it keeps the caller's trace
 * id and flags but names itself as the parent. Inside the kit's request context the ids are that
 * context's, so the gateway's own log lines and the service's share the trace and the parent span;
 * otherwise a fresh span id, and without a valid incoming header a new trace.
 */
export function nextTraceparent(incoming: string | string[] | undefined, hop?: HopContext): string {
  if (hop) return `00-${hop.traceId}-${hop.spanId}-${hop.traceFlags}`;
  const parsed = parseTraceparent(incoming);
  const traceId = parsed?.traceId ?? randomBytes(16).toString('hex');
  const flags = parsed?.flags ?? '00';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}
