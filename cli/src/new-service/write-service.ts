import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appFiles } from './templates/app-source';
import { dataFiles } from './templates/data-source';
import type { GeneratedFile, NewServiceOptions } from './templates/options';
import { packageFiles } from './templates/package-files';
import { routeFiles } from './templates/routes-source';

/** Every file of the new service, relative to services/<name>. */
export const serviceFiles = (options: NewServiceOptions): GeneratedFile[] => [...packageFiles(options), ...appFiles(options), ...dataFiles(options), ...routeFiles(options)];

/**
 * Writes services/<name>. The folder is made without `recursive`, so a folder that appeared since
 * the name was checked is refused rather than written into; files are created, never overwritten.
 */
export function writeService(root: string, options: NewServiceOptions): string[] {
  const dir = join(root, 'services', options.name);
  mkdirSync(dir);
  const files = serviceFiles(options);
  for (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { flag: 'wx' });
  }
  return files.map((f) => `services/${options.name}/${f.path}`);
}

interface RootPackage {
  workspaces: string[];
}

interface RootTsconfig {
  references: { path: string }[];
}

/** Puts `entry` after the last entry starting with `services/` (or at the end), keeping the rest in order. */
function afterServices<T>(list: T[], entry: T, pathOf: (item: T) => string): T[] {
  let at = list.length;
  list.forEach((item, i) => {
    if (pathOf(item).startsWith('services/')) at = i + 1;
  });
  return [...list.slice(0, at), entry, ...list.slice(at)];
}

function updateJson<T>(file: string, change: (value: T) => T): void {
  writeFileSync(file, `${JSON.stringify(change(JSON.parse(readFileSync(file, 'utf8')) as T), null, 2)}\n`);
}

/** Adds services/<name> to the root workspaces and TypeScript project references (npm install and tsc -b see it). */
export function registerWorkspace(root: string, name: string): void {
  const path = `services/${name}`;
  updateJson<RootPackage>(join(root, 'package.json'), (pkg) => (pkg.workspaces.includes(path) ? pkg : { ...pkg, workspaces: afterServices(pkg.workspaces, path, (p) => p) }));
  updateJson<RootTsconfig>(join(root, 'tsconfig.json'), (ts) => (ts.references.some((r) => r.path === path) ? ts : { ...ts, references: afterServices(ts.references, { path }, (r) => r.path) }));
}
