import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PlatformError, repoRoot } from '@platform/process-runner';
import { RELEASE_ID } from '@platform/consul';
import { SERVICE_NAME } from '@platform/service-kit';

/**
 * What an instance needs from a service folder to run: everything but its sources, tests and
 * build settings (dist/, package.json, migrations/, data files its code reads such as the
 * gateway's route-grants.json).
 */
const LEFT_OUT = new Set(['src', 'test', 'tests', 'node_modules', 'tsconfig.json', 'release.json']);
/** Build by-products that change without the code changing: they stay out of the hash and the folder. */
const SKIPPED = /(\.tsbuildinfo|\.d\.ts|\.d\.ts\.map)$/;

const partsOf = (sourceDir: string): string[] => readdirSync(sourceDir).filter((name) => !LEFT_OUT.has(name) && !name.startsWith('.') && !SKIPPED.test(name)).sort();
const HASH_LENGTH = 12;

export interface Release {
  service: string;
  /** `<version>-<short content hash>` (RELEASE_ID). */
  id: string;
  dir: string;
  /** The file the supervisor starts: the package's `main` inside the release. */
  entry: string;
  createdAt: string;
  /** The folder it was built from. */
  source: string;
}

interface ReleaseManifest {
  service: string;
  id: string;
  main: string;
  createdAt: string;
  source: string;
}

export function assertReleaseId(id: unknown): string {
  if (typeof id !== 'string' || !RELEASE_ID.test(id)) throw new PlatformError('PLATFORM_RELEASE_INVALID', `${JSON.stringify(id)} is not a release id (<version>-<hex hash>)`);
  return id;
}

function assertService(service: string): string {
  if (!SERVICE_NAME.test(service)) throw new PlatformError('PLATFORM_INVALID_NAME', `${JSON.stringify(service)} is not a service name`);
  return service;
}

/** Every file of a release part, relative to `root`, in a stable order. */
function filesOf(root: string, part: string): string[] {
  const path = join(root, part);
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [part];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .map((name) => join(part, name))
    .filter((name) => statSync(join(root, name)).isFile() && !SKIPPED.test(name))
    .sort();
}

/** The content hash of what a release would hold: names and bytes of every file. */
export function contentHash(sourceDir: string): string {
  const hash = createHash('sha256');
  for (const part of partsOf(sourceDir)) {
    for (const file of filesOf(sourceDir, part)) hash.update(`${file}\0`).update(readFileSync(join(sourceDir, file))).update('\0');
  }
  return hash.digest('hex').slice(0, HASH_LENGTH);
}

function manifestOf(sourceDir: string): { version: string; main: string } {
  let pkg: { version?: unknown; main?: unknown; platform?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(sourceDir, 'package.json'), 'utf8')) as typeof pkg;
  } catch (err) {
    throw new PlatformError('PLATFORM_RELEASE_INVALID', `${sourceDir} has no readable package.json (${err instanceof Error ? err.message : String(err)})`);
  }
  const main = typeof pkg.main === 'string' ? pkg.main : 'dist/main.js';
  if (!pkg.platform) throw new PlatformError('PLATFORM_RELEASE_INVALID', `${sourceDir}/package.json has no "platform" section: it is no service`);
  if (main.startsWith('/') || main.split('/').includes('..') || !main.startsWith('dist/')) throw new PlatformError('PLATFORM_RELEASE_INVALID', `${sourceDir}/package.json main must lie under dist/, got ${JSON.stringify(main)}`);
  if (!existsSync(join(sourceDir, main))) throw new PlatformError('PLATFORM_SERVICE_NOT_BUILT', `${join(sourceDir, main)} is missing; run npm run build`);
  return { version: String(pkg.version ?? '0.0.0'), main };
}

/**
 * Copies a built service folder into `<releasesDir>/<service>/<version>-<hash>/` (kept as it is if
 * that release exists: same content, same id). The copy is made beside and renamed into place, so
 * a release folder is either complete or absent. Its node_modules links to the checkout's, which
 * holds the kit and the libraries.
 */
export function buildRelease(service: string, sourceDir: string, releasesDir: string): Release {
  const { version, main } = manifestOf(sourceDir);
  const id = assertReleaseId(`${version}-${contentHash(sourceDir)}`);
  const dir = join(releasesDir, assertService(service), id);
  if (!existsSync(join(dir, 'release.json'))) {
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true, mode: 0o755 });
    for (const part of partsOf(sourceDir)) {
      for (const file of filesOf(sourceDir, part)) cpSync(join(sourceDir, file), join(staging, file));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(staging, 'node_modules'));
    const manifest: ReleaseManifest = { service, id, main, createdAt: new Date().toISOString(), source: sourceDir };
    writeFileSync(join(staging, 'release.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(staging, dir);
  }
  return readRelease(releasesDir, service, id);
}

/** A release read back; its id and its main are checked again (the folder is only files on disk). */
export function readRelease(releasesDir: string, service: string, id: string): Release {
  const dir = join(releasesDir, assertService(service), assertReleaseId(id));
  let manifest: ReleaseManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')) as ReleaseManifest;
  } catch {
    throw new PlatformError('PLATFORM_RELEASE_INVALID', `${service} has no release ${id} (${dir})`);
  }
  const entry = join(dir, manifest.main);
  if (manifest.id !== id || relative(dir, entry).startsWith('..')) throw new PlatformError('PLATFORM_RELEASE_INVALID', `${dir}/release.json does not describe release ${id}`);
  return { service, id, dir, entry, createdAt: manifest.createdAt, source: manifest.source };
}

/** A service's releases, oldest first; folders that are no release (a partial copy) are skipped. */
export function listReleases(releasesDir: string, service: string): Release[] {
  const root = join(releasesDir, assertService(service));
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => RELEASE_ID.test(name) && existsSync(join(root, name, 'release.json')))
    .map((id) => readRelease(releasesDir, service, id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Which releases a prune removes: all but the newest `keep`, never one in `protect`. */
export function releasesToPrune(releases: readonly Release[], keep: number, protect: readonly string[]): Release[] {
  const newest = new Set(releases.slice(-keep).map((r) => r.id));
  return releases.filter((r) => !newest.has(r.id) && !protect.includes(r.id));
}

export function pruneReleases(releasesDir: string, service: string, keep: number, protect: readonly string[]): string[] {
  const removed = releasesToPrune(listReleases(releasesDir, service), keep, protect);
  for (const release of removed) rmSync(release.dir, { recursive: true, force: true });
  return removed.map((r) => r.id);
}
