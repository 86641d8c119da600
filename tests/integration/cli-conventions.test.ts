import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@platform/process-runner';
import { repoRoot } from '../harness/service-process';

/**
 * The `platform` binary as a user meets it, on a stopped platform: every command of the registry
 * answers -h and --help, refuses an unknown flag with its usage, and every --json command prints
 * JSON (or exits 3, not running, with nothing on stdout). A command added to the registry is covered here
 * without a line of this file changing.
 */
const cli = join(repoRoot, 'cli/dist/bin.js');
let env: NodeJS.ProcessEnv;
let stateDir: string;

/** A command as the registry declares it (`platform help --json`). */
interface CommandDeclaration {
  name: string;
  json: 'document' | 'lines' | null;
  options: { name: string; short: string | null }[];
  examples: string[];
}
let COMMANDS: CommandDeclaration[];

function platform(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What a --json command printed, parsed as it declares: one document, or one object per line. */
function parseJson(kind: 'document' | 'lines', stdout: string): unknown {
  return kind === 'document' ? JSON.parse(stdout) : stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'cli-conventions-'));
  // Every address the CLI might ask points at a free port nobody listens on: the platform is stopped.
  env = {
    PATH: process.env.PATH,
    ...(process.env.PLATFORM_HOME ? { PLATFORM_HOME: process.env.PLATFORM_HOME } : {}),
    PLATFORM_STATE_DIR: stateDir,
    CONSUL_HTTP_PORT: String(await freePort()),
    OPENSEARCH_HTTP_PORT: String(await freePort()),
    ALERTMANAGER_URL: `http://127.0.0.1:${await freePort()}`,
    EDGE_PORT: String(await freePort()),
    PROMETHEUS_PORT: String(await freePort()),
  };
  COMMANDS = JSON.parse(platform('help', '--json').stdout) as CommandDeclaration[];
});

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

test('platform help --json lists the registry: every command with its flags and examples', () => {
  expect(COMMANDS.map((c) => c.name)).toEqual(expect.arrayContaining(['up', 'status', 'scale', 'logs', 'alerts', 'open', 'down', 'migrate', 'db status', 'db switchover']));
  for (const command of COMMANDS) expect({ name: command.name, help: command.options.some((o) => o.name === 'help' && o.short === 'h'), examples: command.examples.length > 0 }).toEqual({ name: command.name, help: true, examples: true });
});

test('every command answers -h and --help with exit 0: its usage, every flag and an example', () => {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    for (const run of [platform(...words, '--help'), platform(...words, '-h')]) {
      expect({ command: command.name, code: run.code, stderr: run.stderr }).toEqual({ command: command.name, code: 0, stderr: '' });
      expect(run.stdout).toContain(`usage: platform ${command.name}`);
      for (const option of command.options) expect(run.stdout).toContain(`--${option.name}`);
      expect(run.stdout).toContain(`platform ${command.examples[0]}`);
    }
  }
  expect(platform('help', 'db', 'status').stdout).toBe(platform('db', 'status', '--help').stdout);
});

test('an unknown flag is refused with exit 2 and the usage on stderr, running nothing', () => {
  // Every command parses through the same dispatch (the unit test checks each); two suffice here.
  for (const name of ['up', 'db status']) {
    const run = platform(...name.split(' '), '--no-such-flag');
    expect({ command: name, code: run.code, stdout: run.stdout }).toEqual({ command: name, code: 2, stdout: '' });
    expect(run.stderr).toContain("Unknown option '--no-such-flag'");
    expect(run.stderr).toContain(`usage: platform ${name}`);
  }
});

test('platform --version names the package version and the checkout commit, as text and as JSON', () => {
  const commit = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim();
  expect(platform('--version')).toEqual({ code: 0, stdout: `platform 0.1.0 (commit ${commit})\n`, stderr: '' });
  expect(JSON.parse(platform('--version', '--json').stdout)).toEqual({ version: '0.1.0', commit });
});

test('on a stopped platform every --json command prints JSON, or exits 3 (not running) with nothing on stdout', () => {
  const jsonCommands = COMMANDS.filter((s) => s.json);
  expect(jsonCommands.map((s) => s.name)).toEqual(expect.arrayContaining(['status', 'alerts', 'logs', 'migrate', 'scale', 'db status', 'open']));
  for (const spec of jsonCommands) {
    const run = platform(...(spec.examples[0] ?? '').split(' '), '--json');
    const outcome = { command: spec.name, code: run.code, stdout: run.code === 3 && spec.name !== 'status' ? run.stdout : '(json)' };
    expect(outcome).toEqual({ command: spec.name, code: outcome.code === 0 ? 0 : 3, stdout: outcome.code === 3 && spec.name !== 'status' ? '' : '(json)' });
    if (run.stdout !== '') expect(() => parseJson(spec.json === 'lines' ? 'lines' : 'document', run.stdout)).not.toThrow();
  }
  expect(JSON.parse(platform('status', '--json').stdout)).toEqual({ running: false });
});

test('platform open --json lists the five pages at the addresses the settings give; open consul prints the UI URL alone', () => {
  const pages = JSON.parse(platform('open', '--json').stdout) as { name: string; url: string }[];
  expect(pages.map((p) => p.name)).toEqual(['consul', 'docs', 'prometheus', 'alerts', 'logs']);
  expect(pages.find((p) => p.name === 'alerts')?.url).toBe(env.ALERTMANAGER_URL);
  expect(pages.find((p) => p.name === 'docs')?.url).toBe(`http://127.0.0.1:${env.EDGE_PORT}/docs`);
  const consul = platform('open', 'consul');
  expect(consul).toMatchObject({ code: 0, stdout: `http://127.0.0.1:${env.CONSUL_HTTP_PORT}/ui/\n` });
  expect(consul.stderr).toContain(join(stateDir, 'consul/secrets/tokens/reader'));
  expect(platform('open', 'grafana')).toMatchObject({ code: 2, stdout: '' });
});

test("platform logs --json without the store prints a service's local lines as one JSON object each, a crash trace included", () => {
  const dir = join(stateDir, 'logs', 'users');
  mkdirSync(dir, { recursive: true });
  const line = (at: string, message: string) => JSON.stringify({ '@timestamp': at, 'log.level': 'info', message, service: { name: 'users' } });
  writeFileSync(join(dir, 'users-node-1-1.log'), `${line('2026-01-01T00:00:01.000Z', 'first')}\n${line('2026-01-01T00:00:03.000Z', 'third')}\n`);
  writeFileSync(join(dir, 'users-node-1-2.log'), `${line('2026-01-01T00:00:02.000Z', 'second')}\n`);
  writeFileSync(join(dir, 'users-node-1-2.stdio.log'), 'TypeError: boom\n');
  const run = platform('logs', 'users', '--json', '-n', '10');
  expect(run.code).toBe(0);
  const lines = parseJson('lines', run.stdout) as Record<string, unknown>[];
  expect(lines.map((l) => l.message)).toEqual(['TypeError: boom', 'first', 'second', 'third']);
  expect(lines[0]).toEqual({ message: 'TypeError: boom', 'log.file.source': 'users-node-1-2' });
  expect(lines[1]).toMatchObject({ 'log.level': 'info', service: { name: 'users' } });
});
