import type { CommandSpec, OptionSpec } from './command';

/** Flags every command has; --json only where the command declares it. */
export const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };
export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print the result as JSON on stdout (progress and errors go to stderr)' };
const JSON_LINES_OPTION: OptionSpec = { type: 'boolean', description: 'print one JSON object per line on stdout (progress and errors go to stderr)' };

export const usageLine = (spec: CommandSpec): string => `usage: platform ${spec.name}${spec.args ? ` ${spec.args}` : ''}${Object.keys(spec.options).length > 0 || spec.json ? ' [options]' : ''}`;

/** The flags help lists for a command, its own first. */
export function optionsOf(spec: CommandSpec): [string, OptionSpec][] {
  const own = Object.entries(spec.options);
  const json: [string, OptionSpec][] = spec.json ? [['json', spec.json === 'lines' ? JSON_LINES_OPTION : JSON_OPTION]] : [];
  return [...own, ...json, ['help', HELP_OPTION]];
}

function optionRows(spec: CommandSpec): string[] {
  const heads = optionsOf(spec).map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}${o.multiple ? ' ...' : ''}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return optionsOf(spec).map(([, o], i) => `  ${(heads[i] ?? '').padEnd(width)}${o.description}`);
}

/** `platform <command> --help`: what it does, its usage, every flag and examples. */
export function commandHelp(spec: CommandSpec): string {
  const parts = [`platform ${spec.name}: ${spec.summary}`, usageLine(spec)];
  if (spec.description) parts.push(spec.description.trim());
  parts.push(`options:\n${optionRows(spec).join('\n')}`);
  parts.push(`examples:\n${spec.examples.map((e) => `  platform ${e}`).join('\n')}`);
  return `${parts.join('\n\n')}\n`;
}

function commandList(specs: readonly CommandSpec[]): string {
  const shown = specs.filter((s) => !s.hidden);
  const width = Math.max(...shown.map((s) => s.name.length)) + 2;
  return shown.map((s) => `  ${s.name.padEnd(width)}${s.summary}`).join('\n');
}

/** `platform --help`: every command with its summary, the global flags and the exit codes. */
export function overviewHelp(specs: readonly CommandSpec[]): string {
  return `usage: platform <command> [options]

commands:
${commandList(specs)}

global options:
  -h, --help     help for platform, or for a command (platform <command> --help, platform help <command>)
  --version      the CLI's version and git commit

exit codes: 0 ok, 1 failed, 2 usage error, 3 the platform is not running
environment and every command's output: docs/cli.md
`;
}

/** `platform db --help`: the commands under one word. */
export function groupHelp(group: string, specs: readonly CommandSpec[]): string {
  return `usage: platform ${group} <command> [options]\n\ncommands:\n${commandList(specs)}\n\nplatform ${group} <command> --help shows a command's options.\n`;
}

/** A command's declaration as `platform help --json` lists it (every flag it accepts, --json and --help included). */
export function describeCommand(spec: CommandSpec): Record<string, unknown> {
  const options = optionsOf(spec).map(([name, o]) => ({ name, short: o.short ?? null, type: o.type, multiple: o.multiple === true, value: o.value ?? null, description: o.description }));
  return { name: spec.name, args: spec.args ?? null, summary: spec.summary, json: spec.json ?? null, hidden: spec.hidden === true, options, examples: spec.examples };
}
