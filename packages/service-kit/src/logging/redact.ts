/**
 * Field names whose values never reach a log line. Matching is on the key, case-insensitive, at any
 * depth; a dotted ECS key (`http.request.headers.authorization`) is judged by its last segment;
 * services add their own names through `extraKeys` (and operators through LOG_REDACT_KEYS).
 */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|password|passwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token)$/i;

/** Names built around a secret word (`x-auth-token`, `newPassword`, `stripe_api_key`, `session-id`). */
const SECRET_PART = /(passw(or)?d|secret|token$|api[-_]?key$|credentials?$|private[-_]?key$|session[-_]?id$|^x-amz-security-token$)/i;

/**
 * Secrets inside free text: credentials after an auth scheme, and `name=value` / `"name": "value"`
 * pairs whose name is secret-looking (a URL's query, a JSON fragment in an error message).
 */
const AUTH_SCHEME_VALUE = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9._~+/=:-]{4,}/g;
const SECRET_PAIR = /(["']?)\b([A-Za-z0-9_-]*(?:passw(?:or)?d|secret|token|api[-_]?key|authorization|cookie|session[-_]?id)[A-Za-z0-9_-]*)\1(\s*[:=]\s*)("?)[^"&\s,;}]+/gi;

export const REDACTED = '[REDACTED]';

/** Removes credentials from free text; structured fields are handled by key in makeRedactor. */
export function scrubText(text: string): string {
  return text.replace(AUTH_SCHEME_VALUE, `$1 ${REDACTED}`).replace(SECRET_PAIR, `$1$2$1$3$4${REDACTED}`);
}

export function makeRedactor(extraKeys: readonly string[] = []): (value: unknown) => unknown {
  const extra = new Set(extraKeys.map((k) => k.toLowerCase()));
  const isSecret = (key: string): boolean => {
    const last = key.slice(key.lastIndexOf('.') + 1);
    return SECRET_KEY.test(last) || SECRET_PART.test(last) || extra.has(key.toLowerCase()) || extra.has(last.toLowerCase());
  };

  const walk = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (value === null || typeof value !== 'object') return value;
    // Deeper than anything a log line needs; dropped rather than walked, so nothing escapes unchecked.
    if (depth > 8) return '[TRUNCATED]';
    if (value instanceof Error) return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      out[key] = isSecret(key) ? REDACTED : walk(v, depth + 1);
    }
    return out;
  };
  return (value) => walk(value, 0);
}
