import { problem, returnEdgeProblem } from './edge-problems';

/**
 * What the edge can hold of a body whose size is not announced, headers included: below the
 * ~15 KB of the default 16 KiB buffer that HTX leaves for a message, so a body that filled the
 * buffer without ending is told apart from one that ended.
 */
export const UNSIZED_HOLD_BYTES = 14 * 1024;

/** How long the edge waits for an unsized body to end (then HAProxy answers 408). */
const UNSIZED_WAIT = '5s';

/**
 * A body without Content-Length (HTTP/1.1 `Transfer-Encoding: chunked`, or HTTP/2 without the
 * header) has no size to check before it is sent on, and HAProxy 2.6 has no filter that counts a
 * body while streaming it. So the edge holds such a body before passing it: over the limit (the
 * chunk sizes announced so far count), or not ended once the buffer is full, it is a 413; one that
 * does not end within UNSIZED_WAIT is a 408. A body with Content-Length streams through as before.
 */
export function renderBodyLimit(bodyLimitBytes: number): string[] {
  const unsizedLimit = Math.min(bodyLimitBytes, UNSIZED_HOLD_BYTES);
  const unsized = '{ var(txn.unsized) -m found }';
  return [
    returnEdgeProblem(problem(413, `The request body is larger than ${bodyLimitBytes} bytes.`), `if { req.hdr_val(content-length) gt ${bodyLimitBytes} }`),
    '  http-request set-var(txn.unsized) int(1) if { req.hdr_cnt(transfer-encoding) gt 0 } || { req.ver 2.0 } !{ req.hdr_cnt(content-length) gt 0 }',
    `  http-request wait-for-body time ${UNSIZED_WAIT} at-least ${unsizedLimit + 1} if ${unsized}`,
    `  http-request set-var(txn.body_len) req.body_len if ${unsized}`,
    `  http-request set-var(txn.held) req.hdrs,length,add(txn.body_len) if ${unsized}`,
    returnEdgeProblem(
      problem(413, `A request body without Content-Length may be at most ${unsizedLimit} bytes (headers included, up to ${UNSIZED_HOLD_BYTES}); send Content-Length for a larger one (up to ${bodyLimitBytes}).`),
      `if ${unsized} { req.body_size gt ${unsizedLimit} } || ${unsized} { var(txn.held) -m int ge ${UNSIZED_HOLD_BYTES} }`,
    ),
  ];
}
