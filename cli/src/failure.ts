import { ERROR_CATALOGUE, errorCodeOf, type CatalogueEntry, type ErrorCode } from '@platform/process-runner';

/** Set to 1 to see the stack (and its causes') under a failure; for reporting a bug, not for use. */
export const DEBUG_VARIABLE = 'PLATFORM_DEBUG';

export interface Failure {
  code: ErrorCode;
  /** What the CLI prints on stderr: `CODE: message`, the hint when the catalogue has one. */
  text: string;
  /** The process exit status: 1, or the code's own (2 usage, 3 not running). */
  exit: number;
}

/** Node's own parseArgs errors are usage errors like ours. */
const isUsage = (err: unknown): boolean => typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

/**
 * How any error that reaches the CLI's top is told to the user: its catalogued code and its own
 * message, never a stack unless PLATFORM_DEBUG=1. An error without a catalogued code is a bug or
 * an unforeseen state, and says so as PLATFORM_INTERNAL.
 */
export function describeFailure(err: unknown, env: NodeJS.ProcessEnv = process.env): Failure {
  const code = isUsage(err) ? 'PLATFORM_USAGE' : errorCodeOf(err);
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`${code}: ${message}`];
  if (entry.hint) lines.push(`  hint: ${entry.hint}`);
  if (env[DEBUG_VARIABLE] === '1') lines.push(...stacks(err));
  return { code, text: `${lines.join('\n')}\n`, exit: entry.exit ?? 1 };
}

function stacks(err: unknown): string[] {
  const out: string[] = [];
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    out.push(`${depth === 0 ? '' : 'caused by: '}${current.stack ?? current.message}`);
  }
  return out;
}
