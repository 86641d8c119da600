import { defineCommand, UsageError, type CommandSpec } from '../../cli/src/command/command';
import { dispatch, resolveCommand, type CliOutput } from '../../cli/src/command/dispatch';
import { COMMANDS } from '../../cli/src/registry';

/** Runs argv against `specs`, keeping what would have gone to stdout and stderr. */
async function run(specs: readonly CommandSpec[], ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliOutput = { out: (t) => void (out += t), err: (t) => void (err += t) };
  const code = await dispatch(specs, argv, io);
  return { code, out, err };
}

const seen: { values: unknown; positionals: string[]; json: boolean }[] = [];
const probe = defineCommand({
  name: 'probe run',
  args: '[<what>]',
  maxPositionals: 1,
  summary: 'a command for these tests',
  options: { count: { type: 'string', short: 'c', value: 'n', description: 'how many' }, dry: { type: 'boolean', description: 'do nothing' } },
  examples: ['probe run -c 2'],
  json: 'document',
  run(input) {
    seen.push(input);
    if (input.values.count === 'bad') throw new UsageError('--count must be a number');
    if (input.values.count === 'boom') throw new Error('it broke');
    return 0;
  },
});
const other = defineCommand({ name: 'probe other', summary: 'another', options: {}, examples: ['probe other'], run: () => 0 });

beforeEach(() => seen.splice(0));

test('the longest command name that starts argv is chosen, and a first word alone names its group', () => {
  expect(resolveCommand([probe, other], ['probe', 'run', 'x'])).toEqual({ spec: probe, rest: ['x'] });
  expect(resolveCommand([probe, other], ['probe', 'nope'])).toEqual({ group: 'probe', members: [probe, other], rest: ['nope'] });
  expect(resolveCommand([probe, other], ['nothing'])).toBeUndefined();
});

test('a command gets its flags typed as declared, its positionals, and whether --json was asked', async () => {
  expect(await run([probe], 'probe', 'run', 'thing', '-c', '3', '--dry', '--json')).toEqual({ code: 0, out: '', err: '' });
  expect(seen).toEqual([{ values: { count: '3', dry: true }, positionals: ['thing'], json: true }]);
});

test('-h and --help anywhere print the command help with exit 0 and run nothing, even beside an unknown flag', async () => {
  for (const argv of [['probe', 'run', '-h'], ['probe', 'run', '--bogus', '--help'], ['help', 'probe', 'run']]) {
    const result = await run([probe], ...argv);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('usage: platform probe run [<what>] [options]');
    expect(result.out).toMatch(/-c, --count <n>\s+how many/);
    expect(result.out).toMatch(/--json\s+print the result as JSON/);
    expect(result.out).toContain('platform probe run -c 2');
  }
  expect(seen).toEqual([]);
});

test('an unknown flag, a missing value, one argument too many and a usage error from the command all exit 2 with the usage on stderr', async () => {
  for (const argv of [['--bogus'], ['-c'], ['a', 'b'], ['-c', 'bad']]) {
    const result = await run([probe], 'probe', 'run', ...argv);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toContain('usage: platform probe run [<what>] [options]');
  }
});

test('an error that is not about usage is left to the caller (exit 1 there)', async () => {
  await expect(run([probe], 'probe', 'run', '-c', 'boom')).rejects.toThrow('it broke');
});

test('a group word alone lists its commands (exit 2, or 0 when help was asked); an unknown command or option exits 2 with the overview', async () => {
  expect(await run([probe, other], 'probe')).toMatchObject({ code: 2, out: '' });
  expect((await run([probe, other], 'probe', '--help')).out).toMatch(/probe run\s+a command for these tests\n\s+probe other\s+another/);
  for (const argv of [['frob'], ['--frob'], ['help', 'frob']]) {
    const result = await run([probe], ...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain('usage: platform <command> [options]');
  }
});

test('the overview lists every command of the registry with its summary, and says the exit codes', async () => {
  const { code, out } = await run(COMMANDS, '--help');
  expect(code).toBe(0);
  for (const spec of COMMANDS.filter((s) => !s.hidden)) expect(out).toContain(`  ${spec.name} `);
  expect(out).toContain('exit codes: 0 ok, 1 failed, 2 usage error, 3 the platform is not running');
});

test('every command of the registry has a summary, an example that starts with its name, and help for each of its flags', () => {
  for (const spec of COMMANDS) {
    expect({ name: spec.name, summary: spec.summary.length > 10 }).toEqual({ name: spec.name, summary: true });
    for (const example of spec.examples) expect(`${spec.name}: ${example}`).toMatch(new RegExp(`^${spec.name}: ${spec.name}( |$)`));
    for (const [flag, option] of Object.entries(spec.options)) expect(`${spec.name} --${flag}: ${option.description.length > 5}`).toBe(`${spec.name} --${flag}: true`);
  }
});

test('every command of the registry refuses an unknown flag with exit 2 and its usage, before running', async () => {
  for (const spec of COMMANDS) {
    const result = await run(COMMANDS, ...spec.name.split(' '), '--no-such-flag');
    expect({ name: spec.name, code: result.code, out: result.out }).toEqual({ name: spec.name, code: 2, out: '' });
    expect(result.err).toContain(`usage: platform ${spec.name}`);
  }
});

test('platform help --json lists every declaration, --help and --json among the flags of a --json command', async () => {
  const { code, out } = await run(COMMANDS, 'help', '--json');
  expect(code).toBe(0);
  const listed = JSON.parse(out) as { name: string; json: string | null; options: { name: string }[] }[];
  expect(listed.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
  expect(listed.find((c) => c.name === 'status')?.options.map((o) => o.name)).toEqual(['json', 'help']);
});
