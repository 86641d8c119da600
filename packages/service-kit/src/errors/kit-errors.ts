/**
 * Errors the kit raises about itself (configuration, start-up). `code` is stable and prefixed
 * KIT_ so logs and tests can match on it; `retryable` says whether trying again may help.
 */
export class KitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
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
