import { randomBytes } from 'node:crypto';

/** The W3C Trace Context header every hop reads and passes on. */
export const TRACEPARENT_HEADER = 'traceparent';

/** The parts of a W3C Trace Context `traceparent` header this platform uses (version 00). */
export interface TraceParent {
  traceId: string;
  /** The caller's span, which becomes this hop's parent. */
  parentId: string;
  flags: string;
}

/**
 * The flags of a trace that starts here: `00`, sampled unset. W3C Trace Context says the sampled
 * flag means "the caller may have recorded trace data"; the platform records no spans anywhere (its
 * trace id only correlates log lines), so setting the flag would tell a tracer downstream that data
 * exists which does not. A caller's flags are passed on unchanged: the platform makes no sampling
 * decision of its own, and the spec asks such a participant to propagate the caller's.
 */
export const NEW_TRACE_FLAGS = '00';

// Lower-case hex only, as the spec requires; an all-zero trace or parent id is invalid.
// A later version may append fields after the four it shares with version 00.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses an incoming header; anything malformed is ignored so a bad caller only loses its link. */
export function parseTraceParent(header: string | string[] | undefined): TraceParent | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has exactly four fields, later versions may append more.
  if (version === 'ff' || (version === '00' && rest !== undefined) || /^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

/** The header naming `spanId` (this hop) as the parent of the next, always written as version 00. */
export function formatTraceParent(traceId: string, spanId: string, flags: string): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');
