import { parseArgs } from 'node:util';
import { errorCodeOf } from '@platform/process-runner';
import { EXIT, type CommandSpec, type OptionSpecs, type OptionValues } from './command';
import { commandHelp, describeCommand, groupHelp, optionsOf, overviewHelp, usageLine } from './help';
import { versionInfo } from './version';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliOutput = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

const HELP_FLAGS = new Set(['-h', '--help']);

/** -h or --help anywhere before a `--`: help wins over every other flag, valid or not. */
const asksHelp = (args: readonly string[]): boolean => {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => HELP_FLAGS.has(a));
};

type Resolution = { spec: CommandSpec; rest: string[] } | { group: string; members: CommandSpec[]; rest: string[] } | undefined;

/** The command whose words start argv (the longest such name), or the group its first word names. */
export function resolveCommand(specs: readonly CommandSpec[], argv: readonly string[]): Resolution {
  let best: CommandSpec | undefined;
  let bestWords = 0;
  for (const spec of specs) {
    const words = spec.name.split(' ');
    if (words.length > bestWords && words.every((w, i) => argv[i] === w)) {
      best = spec;
      bestWords = words.length;
    }
  }
  if (best) return { spec: best, rest: argv.slice(bestWords) };
  const members = specs.filter((s) => s.name.startsWith(`${argv[0]} `));
  return members.length > 0 ? { group: argv[0] as string, members, rest: argv.slice(1) } : undefined;
}

function usageFailure(io: CliOutput, spec: CommandSpec, message: string): number {
  io.err(`PLATFORM_USAGE: platform ${spec.name}: ${message}\n${usageLine(spec)}\n(platform ${spec.name} --help lists every option)\n`);
  return EXIT.usage;
}

async function runCommand(io: CliOutput, spec: CommandSpec, args: string[]): Promise<number> {
  if (asksHelp(args)) {
    io.out(commandHelp(spec));
    return EXIT.ok;
  }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    const options = Object.fromEntries(optionsOf(spec).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), multiple: o.multiple === true }]));
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's own advice about `--` follows the first sentence; the usage line says more.
    return usageFailure(io, spec, (err instanceof Error ? err.message : String(err)).split('. To specify')[0] ?? '');
  }
  const max = spec.maxPositionals ?? 0;
  if (parsed.positionals.length > max) return usageFailure(io, spec, `unexpected argument ${JSON.stringify(parsed.positionals[max])}`);
  const { json, help: _help, ...values } = parsed.values;
  try {
    // parseArgs read these flags from the same declarations the command's values are typed by.
    return await spec.run({ values: values as OptionValues<OptionSpecs>, positionals: parsed.positionals, json: json === true });
  } catch (err) {
    // A usage mistake found by the command itself (a value it cannot read) answers like a bad flag.
    if (errorCodeOf(err) === 'PLATFORM_USAGE') return usageFailure(io, spec, err instanceof Error ? err.message : String(err));
    throw err;
  }
}

function version(io: CliOutput, args: readonly string[]): number {
  const info = versionInfo();
  io.out(args.includes('--json') ? `${JSON.stringify(info)}\n` : `platform ${info.version}${info.commit ? ` (commit ${info.commit})` : ''}\n`);
  return EXIT.ok;
}

/** `platform help [<command words>]`; with --json the declarations themselves (tools, completion, tests). */
function help(io: CliOutput, specs: readonly CommandSpec[], args: string[]): number {
  const words = args.filter((a) => a !== '--json');
  if (words.length < args.length) {
    const chosen = words.length === 0 ? specs : specs.filter((s) => s.name === words.join(' '));
    io.out(`${JSON.stringify(chosen.map(describeCommand), null, 2)}\n`);
    return chosen.length > 0 ? EXIT.ok : EXIT.usage;
  }
  if (words.length === 0) {
    io.out(overviewHelp(specs));
    return EXIT.ok;
  }
  const found = resolveCommand(specs, words);
  if (found && 'spec' in found && found.rest.length === 0) io.out(commandHelp(found.spec));
  else if (found && 'group' in found && found.rest.length === 0) io.out(groupHelp(found.group, found.members));
  else {
    io.err(`platform help: no command ${JSON.stringify(words.join(' '))}\n\n${overviewHelp(specs)}`);
    return EXIT.usage;
  }
  return EXIT.ok;
}

/**
 * Runs argv against the registry: help and version, the command's flags checked strictly (an
 * unknown one is exit 2 with the usage), then the command. Errors other than usage errors are
 * the caller's to print (exit 1).
 */
export async function dispatch(specs: readonly CommandSpec[], argv: string[], io: CliOutput = stdio): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(overviewHelp(specs));
    return EXIT.usage;
  }
  if (first === '--version' || first === '-v') return version(io, rest);
  if (first === 'help') return help(io, specs, rest);
  if (HELP_FLAGS.has(first)) return help(io, specs, []);
  const found = resolveCommand(specs, argv);
  if (found && 'spec' in found) return runCommand(io, found.spec, found.rest);
  if (found) {
    const asked = asksHelp(found.rest);
    const problem = found.rest[0] === undefined || asked ? '' : `platform ${found.group}: no command ${JSON.stringify(found.rest[0])}\n\n`;
    (asked ? io.out : io.err)(`${problem}${groupHelp(found.group, found.members)}`);
    return asked ? EXIT.ok : EXIT.usage;
  }
  io.err(`platform: ${first.startsWith('-') ? 'unknown option' : 'unknown command'} ${JSON.stringify(first)}\n\n${overviewHelp(specs)}`);
  return EXIT.usage;
}
