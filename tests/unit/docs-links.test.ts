import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { codeText, headingAnchors, headingSlug, relativeLinks, section } from '../harness/markdown';

const ROOT = resolve(__dirname, '../..');
const DOCS = join(ROOT, 'docs');
const documents = [join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f))];
const WALK_THROUGH = '## Five minutes with it';

/** The commands `platform --help` lists: the CLI's own table, as a user sees it (two-space indent, then the name). */
function cliCommands(): Set<string> {
  const bin = join(ROOT, 'cli/dist/bin.js');
  if (!existsSync(bin)) throw new Error(`${relative(ROOT, bin)} is missing: build first (npm run build)`);
  const run = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(run.status).toBe(0);
  return new Set([...run.stdout.matchAll(/^ {2}([a-z][a-z-]*)(?= |$)/gm)].map((m) => m[1] ?? ''));
}

test('headings become the anchors GitHub gives them, repeated ones numbered', () => {
  expect(headingSlug('Logs (winston ECS → Filebeat → OpenSearch)')).toBe('logs-winston-ecs--filebeat--opensearch');
  expect(headingSlug("An instance's life")).toBe('an-instances-life');
  expect(headingSlug('`platform logs` and --json')).toBe('platform-logs-and---json');
  expect([...headingAnchors('# A\n```sh\n# not a heading\n```\n## A\n### B b')]).toEqual(['a', 'a-1', 'b-b']);
});

test('links inside code are not links, and URLs with a scheme are not relative', () => {
  const links = relativeLinks('[x](a.md#b) `[y](nope.md)` [z](https://e.example) [w](#here)\n```\n[v](code.md)\n```');
  expect(links).toEqual([
    { file: 'a.md', anchor: 'b', text: 'x' },
    { file: '', anchor: 'here', text: 'w' },
  ]);
});

test('every relative link in README.md and docs/*.md names a file that exists, and an anchor its headings make', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const doc of documents) {
    for (const link of relativeLinks(readFileSync(doc, 'utf8'))) {
      checked += 1;
      const target = link.file === '' ? doc : resolve(dirname(doc), link.file);
      const where = `${relative(ROOT, doc)}: [${link.text}](${link.file}${link.anchor === undefined ? '' : `#${link.anchor}`})`;
      if (!existsSync(target)) broken.push(`${where}: no such file`);
      else if (link.anchor !== undefined && (statSync(target).isDirectory() || !headingAnchors(readFileSync(target, 'utf8')).has(link.anchor))) broken.push(`${where}: no such heading`);
    }
  }
  expect(checked).toBeGreaterThan(30);
  expect(broken).toEqual([]);
});

test('the README links every topic page, and every topic page is linked from it', () => {
  const linked = new Set(relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((l) => l.file));
  const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  expect(pages.filter((page) => !linked.has(page))).toEqual([]);
});

test('every platform command and npm script the walk-through and the two commands use exists', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const code = codeText(`${section(readme, '## The two commands')}\n${section(readme, WALK_THROUGH)}`);
  const platformUsed = new Set([...code.matchAll(/(?:^|[\s`(])(?:npx )?platform ([a-z][a-z-]*)/gm)].map((m) => m[1] ?? ''));
  const npmUsed = new Set([...code.matchAll(/\bnpm (?:run ([a-z][\w:-]*)|(test|start))\b/g)].map((m) => m[1] ?? m[2] ?? ''));
  // The walk-through is what the issue asks for: call, add, scale, find the logs.
  expect([...platformUsed].sort()).toEqual(expect.arrayContaining(['logs', 'new', 'scale']));
  expect([...npmUsed].sort()).toEqual(expect.arrayContaining(['test', 'up']));

  const known = cliCommands();
  const missing = [...platformUsed].filter((c) => !known.has(c));
  expect(missing).toEqual([]);
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect([...npmUsed].filter((s) => scripts[s] === undefined)).toEqual([]);
});
