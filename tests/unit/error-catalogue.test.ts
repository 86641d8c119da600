import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '@platform/process-runner';

/**
 * The one error catalogue, the troubleshooting page and the source agree: every catalogued code is
 * explained in docs/troubleshooting.md (and nothing else is), and every code the source throws is
 * catalogued.
 */
const repoRoot = join(__dirname, '..', '..');
const SOURCE_ROOTS = ['packages', 'platform', 'services', 'cli'];
const CODE = '((?:KIT|PLATFORM)_[A-Z0-9_]+)';
/** A code given to an error: `new XError('CODE'`, `super('CODE'`, or a `code: 'CODE'` field. */
const THROWN = [new RegExp(`(?:new \\w*Error|super)\\(\\s*'${CODE}'`, 'g'), new RegExp(`\\bcode\\s*[:=]\\s*'${CODE}'`, 'g')];

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function thrownCodes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of SOURCE_ROOTS.flatMap((root) => sourceFiles(join(repoRoot, root)))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of THROWN) for (const match of text.matchAll(pattern)) found.set(match[1] ?? '', file.slice(repoRoot.length + 1));
  }
  return found;
}

const catalogued = Object.keys(ERROR_CATALOGUE);
const troubleshooting = readFileSync(join(repoRoot, 'docs/troubleshooting.md'), 'utf8');

test('every code in the catalogue has a row in docs/troubleshooting.md, and the page lists no code the catalogue lacks', () => {
  expect(catalogued.filter((code) => !troubleshooting.includes(`| \`${code}\` |`))).toEqual([]);
  const documented = [...troubleshooting.matchAll(new RegExp(`^\\| \`${CODE}\` \\|`, 'gm'))].map((m) => m[1]);
  expect(documented.filter((code) => !catalogued.includes(code ?? ''))).toEqual([]);
});

test('every code thrown in the source is in the catalogue', () => {
  const thrown = thrownCodes();
  // The scan itself works: it sees codes of the kit, of a component and of the CLI.
  expect([...thrown.keys()]).toEqual(expect.arrayContaining(['KIT_CONFIG_INVALID', 'PLATFORM_HAPROXY_RUNTIME_API', 'PLATFORM_USAGE']));
  const unknown = [...thrown.entries()].filter(([code]) => !catalogued.includes(code)).map(([code, file]) => `${code} (${file})`);
  expect(unknown).toEqual([]);
});

test('codes are prefixed by who raises them and name one thing each', () => {
  for (const code of catalogued) expect(code).toMatch(/^(KIT|PLATFORM)_[A-Z0-9]+(_[A-Z0-9]+)*$/);
});
