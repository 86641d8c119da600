export const CLIENT_ID_HEADER = 'x-client-id';

/** Client ids travel in logs, rate-limit keys, the edge's maps and the x-client-id header: short and plain. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * The caller's client id as the edge names it (it removes whatever the caller sent and sets the
 * authenticated client); anything that is not a plain client id counts as none.
 */
export function clientIdFrom(incoming: string | string[] | undefined): string | undefined {
  return typeof incoming === 'string' && CLIENT_ID_PATTERN.test(incoming) ? incoming : undefined;
}
