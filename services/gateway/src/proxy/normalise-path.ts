import { InputError } from '@platform/service-kit';

/** RFC 3986 §2.3: decoding these never changes what a path means (§6.2.2.2). */
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * The one form of a request path the gateway matches, authorises and forwards, so no later hop
 * can read it differently: percent-encoded unreserved characters decoded (`%7e` → `~`, `%75sers`
 * → `users`), every other escape kept but upper-cased (`%2f` → `%2F`, still one segment). Refused
 * with 400: a `#` (a fragment is never sent; HAProxy or a service might cut the path there), an
 * escape that is not `%` and two hex digits or not UTF-8, and `.`/`..` segments however encoded
 * or separated (`%2e%2e`, `..%2F`, `..\`), which a later hop might resolve into another prefix.
 */
export function normalisePath(raw: string): string {
  if (raw.includes('#')) throw new InputError('The request target must not contain "#" (a fragment is not sent to a server).');
  const path = raw.replace(/%([0-9A-Fa-f]{2})?/g, (escape: string, hex: string | undefined) => {
    if (hex === undefined) throw new InputError('The request path is not valid percent-encoding.');
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new InputError('The request path is not valid percent-encoding.');
  }
  if (decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) {
    throw new InputError('The request path must not contain "." or ".." segments.');
  }
  return path;
}

/** A request target as matched and forwarded: its path normalised, its query as sent (no `#` in either). */
export function normaliseUrl(url: string): { path: string; query: string } {
  const at = url.indexOf('?');
  const query = at === -1 ? '' : url.slice(at);
  if (query.includes('#')) throw new InputError('The request target must not contain "#" (a fragment is not sent to a server).');
  return { path: normalisePath(at === -1 ? url : url.slice(0, at)), query };
}
