import { PlatformError } from '@platform/process-runner';

/**
 * A command declares everything about itself in one object: its words, one-line summary, flags
 * (each with its description), examples and whether it answers --json. Help, parsing, the
 * overview and the CLI tests are all made from these declarations, so a new command is covered
 * by adding it to the registry (commands/index.ts) and nothing else.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in help: `--since <duration>`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : string;

/** The parsed flags: present ones only, typed by their declaration. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: OptionValue<O[K]> };

export interface CommandInput<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
  /** --json was given: stdout carries only the JSON document (progress goes to stderr). */
  json: boolean;
}

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** The words that select it: `status`, `db status`, `new service`. */
  name: string;
  /** Arguments after the name, as help shows them: `[<service>]`, `<service>=<count> ...`. */
  args?: string;
  /** Most positionals accepted (default 0); more is a usage error. */
  maxPositionals?: number;
  summary: string;
  /** Paragraphs of help below the usage line: what it does, what it waits for, its exit codes. */
  description?: string;
  options: O;
  /**
   * Whole command lines without `platform`. A --json command's first example must only read: the
   * CLI tests run it with --json on a stopped platform and on a running one, and parse what it prints.
   */
  examples: [string, ...string[]];
  /** 'document': one JSON value on stdout; 'lines': one JSON value per line (streams such as logs). */
  json?: 'document' | 'lines';
  /** Not listed in the overview (still has help): plumbing such as the supervisor's own. */
  hidden?: boolean;
  run(input: CommandInput<O>): Promise<number> | number;
}

/** Keeps the option types of one declaration while the registry holds them all alike. */
export const defineCommand = <const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec => spec as unknown as CommandSpec;

/** A mistake in how the command was called: exit 2 and the command's usage, not a stack of errors. */
export class UsageError extends PlatformError {
  constructor(message: string) {
    super('PLATFORM_USAGE', message);
  }
}

/** A whole number from a flag, or a usage error naming the flag. */
export function intFlag(name: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** The exit codes every command keeps to (docs/cli.md lists them). */
export const EXIT = { ok: 0, failed: 1, usage: 2, notRunning: 3 } as const;
