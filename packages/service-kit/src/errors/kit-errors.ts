import { CodedError, type KitCode } from '@platform/process-runner';

/**
 * Errors the kit raises about itself (configuration, start-up, its clients). `code` is stable,
 * prefixed KIT_ and listed in the platform's one error catalogue (process-runner's
 * errors/catalogue.ts, docs/troubleshooting.md); `retryable` says whether trying again may help.
 */
export class KitError extends CodedError {
  constructor(code: KitCode, message: string, retryable = false, options?: { cause?: unknown }) {
    super(code, message, { retryable, cause: options?.cause });
  }
}

export class ConfigError extends KitError {
  constructor(readonly problems: readonly string[]) {
    super('KIT_CONFIG_INVALID', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export class StartupError extends KitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KIT_START_FAILED', message, true, options);
  }
}
