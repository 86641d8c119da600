/**
 * traceparent headers with the verdict W3C Trace Context gives them: the kit's parser
 * (tests/unit/trace-context.test.ts) and the edge HAProxy (tests/integration/gateway-edge.test.ts)
 * are both held to this one list, so the two hops agree on which traces they continue.
 */
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

export const TRACEPARENT_CASES: readonly { header: string; valid: boolean; why: string }[] = [
  { header: `00-${TRACE}-${SPAN}-01`, valid: true, why: 'version 00, sampled' },
  { header: `00-${TRACE}-${SPAN}-00`, valid: true, why: 'version 00, not sampled' },
  { header: `01-${TRACE}-${SPAN}-01-future-field`, valid: true, why: 'a later version with more fields' },
  { header: `fe-${TRACE}-${SPAN}-09`, valid: true, why: 'the last version there may be, other flags' },
  { header: ` 00-${TRACE}-${SPAN}-01\t`, valid: true, why: 'optional whitespace around the value' },
  { header: `ff-${TRACE}-${SPAN}-01`, valid: false, why: 'version ff is forbidden' },
  { header: `00-${TRACE}-${SPAN}-01-extra`, valid: false, why: 'version 00 with a fifth field' },
  { header: `00-${'0'.repeat(32)}-${SPAN}-01`, valid: false, why: 'an all-zero trace id' },
  { header: `00-${TRACE}-${'0'.repeat(16)}-01`, valid: false, why: 'an all-zero parent id' },
  { header: `00-${TRACE.toUpperCase()}-${SPAN}-01`, valid: false, why: 'upper-case hex' },
  { header: `00-${TRACE.slice(1)}-${SPAN}-01`, valid: false, why: 'a trace id one digit short' },
  { header: `00-${TRACE}-${SPAN}-1`, valid: false, why: 'one flag digit' },
  { header: `0-${TRACE}-${SPAN}-01`, valid: false, why: 'one version digit' },
  { header: `zz-${TRACE}-${SPAN}-01`, valid: false, why: 'a version that is not hex' },
  { header: `00_${TRACE}_${SPAN}_01`, valid: false, why: 'another separator' },
  { header: 'not-a-traceparent', valid: false, why: 'not one at all' },
];

/** The trace id a header names (its second field), whatever its verdict. */
export const traceIdOf = (header: string): string => header.trim().split(/[-_]/)[1] ?? '';
