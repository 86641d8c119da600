/** Reads a dotted ECS name from a stored line, whether it was written flat or nested. */
export function field(source: Record<string, unknown>, dotted: string): unknown {
  if (dotted in source) return source[dotted];
  const dot = dotted.indexOf('.');
  if (dot < 0) return undefined;
  const head = source[dotted.slice(0, dot)];
  return head && typeof head === 'object' ? field(head as Record<string, unknown>, dotted.slice(dot + 1)) : undefined;
}
