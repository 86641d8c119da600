import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/**
 * The house's layers, read from the source: libraries (packages/) at the bottom, components
 * (platform/) and services (services/) above them, the CLI (cli/) on top wiring them together.
 * An import may only run down (or sideways, between components) to another package's index:
 * never up, never into another package's files, and never from one service to another.
 */

export interface Workspace {
  name: string;
  /** Relative to the repository root, e.g. platform/consul. */
  dir: string;
}

export interface ImportViolation {
  file: string;
  specifier: string;
  why: string;
}

const LAYER: Record<string, number> = { packages: 0, platform: 1, services: 1, cli: 2 };
const CHECKED = ['packages', 'platform', 'services'];

export function workspaces(root: string): Workspace[] {
  const listed = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  return listed.map((dir) => ({ dir, name: (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string }).name }));
}

/** Every module specifier a TypeScript source names: import/export … from, bare import, require(), import(). */
export function specifiersOf(source: string): string[] {
  const found = source.matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)['"]([^'"]+)['"]/g);
  return [...found].map((m) => m[1] ?? '');
}

const layerOf = (dir: string): number | undefined => LAYER[dir.split('/')[0] ?? ''];

/** Why `specifier`, imported by `file` (relative to the root) of workspace `own`, breaks the layering; undefined when it does not. */
export function importProblem(file: string, specifier: string, own: Workspace, all: readonly Workspace[]): string | undefined {
  if (specifier.startsWith('.')) {
    const target = normalize(join(dirname(file), specifier));
    return target.startsWith(`${own.dir}/`) ? undefined : `reaches out of ${own.dir} by a relative path (${target})`;
  }
  const match = /^(@[^/]+\/[^/]+)(\/.*)?$/.exec(specifier);
  const target = match ? all.find((w) => w.name === match[1]) : undefined;
  if (!match || !target || target === own) return undefined;
  const [ownLayer, targetLayer] = [layerOf(own.dir), layerOf(target.dir)];
  if (ownLayer === undefined || targetLayer === undefined || targetLayer > ownLayer) return `imports ${target.dir}, which sits above ${own.dir}`;
  if (own.dir.startsWith('services/') && target.dir.startsWith('services/')) return `imports another service (${target.dir}); services talk over HTTP and events`;
  if (match[2]) return `imports ${target.name}'s internals (${specifier}); only its index is public`;
  return undefined;
}

function sourceFiles(root: string, dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(root, path);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import in packages/, platform/ and services/ that breaks the layering. */
export function importViolations(root: string): ImportViolation[] {
  const all = workspaces(root);
  return all
    .filter((w) => CHECKED.includes(w.dir.split('/')[0] ?? ''))
    .flatMap((own) =>
      sourceFiles(root, join(own.dir, 'src')).flatMap((file) =>
        specifiersOf(readFileSync(join(root, file), 'utf8')).flatMap((specifier) => {
          const why = importProblem(file, specifier, own, all);
          return why ? [{ file, specifier, why }] : [];
        }),
      ),
    );
}
