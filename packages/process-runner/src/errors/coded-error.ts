import { ERROR_CATALOGUE, type ErrorCode } from './catalogue';

/**
 * The one base of the platform's own errors: a stable code from the catalogue (KIT_* for the
 * service kit, PLATFORM_* for the components and the CLI), a message that names the problem in
 * one line, and whether trying again may help. Callers match on `code`, never on the message;
 * docs/troubleshooting.md says what each code means and what to do.
 */
export class CodedError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}

export type PlatformCode = Extract<ErrorCode, `PLATFORM_${string}`>;
export type KitCode = Extract<ErrorCode, `KIT_${string}`>;

/** An error of a platform component or of the CLI. */
export class PlatformError extends CodedError {
  constructor(code: PlatformCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** Code of what was thrown: its own when it carries a catalogued one, PLATFORM_INTERNAL otherwise. */
export function errorCodeOf(err: unknown): ErrorCode {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code) ? (code as ErrorCode) : 'PLATFORM_INTERNAL';
}
