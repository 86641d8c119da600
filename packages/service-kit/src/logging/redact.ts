/**
 * Field names whose values never reach a log line. Matching is on the key, case-insensitive, at any
 * depth; services add their own names through `extraKeys`.
 */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|password|passwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|id[-_]?token)$/i;

export const REDACTED = '[REDACTED]';

export function makeRedactor(extraKeys: readonly string[] = []): (value: unknown) => unknown {
  const extra = new Set(extraKeys.map((k) => k.toLowerCase()));
  const isSecret = (key: string): boolean => SECRET_KEY.test(key) || extra.has(key.toLowerCase());

  const walk = (value: unknown, depth: number): unknown => {
    if (depth > 8 || value === null || typeof value !== 'object') return value;
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
