import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELEASE_ID } from '@platform/consul';
import { env as envTypes } from '@platform/service-kit';
import { parseDeployRequest } from '../../cli/src/deploys/deploy-request';
import { readHistory, recordRunning } from '../../cli/src/releases/release-history';
import { buildRelease, listReleases, readRelease, releasesToPrune, type Release } from '../../cli/src/releases/release-store';
import { repoRoot } from '../harness/service-process';

let root: string;

/** A built service folder: package.json with a platform section, dist/main.js, a migration, sources. */
function serviceFolder(version: string, code: string): string {
  const dir = join(root, `src-${version}-${code.length}`);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'migrations'), { recursive: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@platform/shop', version, main: 'dist/main.js', platform: { instances: 1 } }));
  writeFileSync(join(dir, 'dist/main.js'), code);
  writeFileSync(join(dir, 'dist/main.d.ts'), `// ${Date.now()}`);
  writeFileSync(join(dir, 'migrations/1_items.sql'), '-- Up Migration\n');
  writeFileSync(join(dir, 'src/main.ts'), `// ${Math.random()}`);
  writeFileSync(join(dir, 'route-grants.json'), '{}');
  return dir;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'releases-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test("the kit's release id pattern is the rollout record's", () => {
  expect(envTypes.RELEASE_ID_PATTERN.source).toBe(RELEASE_ID.source);
});

test('a release is named by version and content hash and holds what the instance runs, not its sources or declarations', () => {
  const releases = join(root, 'releases');
  const release = buildRelease('shop', serviceFolder('1.2.0', 'console.log(1)'), releases);
  expect(release.id).toMatch(/^1\.2\.0-[0-9a-f]{12}$/);
  expect(release.entry).toBe(join(releases, 'shop', release.id, 'dist/main.js'));
  expect(readFileSync(release.entry, 'utf8')).toBe('console.log(1)');
  expect(readFileSync(join(release.dir, 'migrations/1_items.sql'), 'utf8')).toContain('Up Migration');
  expect(readFileSync(join(release.dir, 'route-grants.json'), 'utf8')).toBe('{}');
  expect(() => readFileSync(join(release.dir, 'src/main.ts'))).toThrow();
  expect(() => readFileSync(join(release.dir, 'dist/main.d.ts'))).toThrow();
  expect(readlinkSync(join(release.dir, 'node_modules'))).toBe(join(repoRoot, 'node_modules'));
});

test('the same content gives the same release (kept as it is); changed code gives another', () => {
  const releases = join(root, 'releases');
  const first = buildRelease('shop', serviceFolder('1.2.0', 'console.log(1)'), releases);
  // Only sources and declarations differ: same release.
  expect(buildRelease('shop', serviceFolder('1.2.0', 'console.log(1)'), releases).id).toBe(first.id);
  const second = buildRelease('shop', serviceFolder('1.2.0', 'console.log(22)'), releases);
  expect(second.id).not.toBe(first.id);
  expect(listReleases(releases, 'shop').map((r) => r.id)).toEqual([first.id, second.id]);
});

test('a folder that is no built service, and a release id read back that is no id, are refused', () => {
  const dir = serviceFolder('1.0.0', 'x');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0' }));
  expect(() => buildRelease('shop', dir, join(root, 'releases'))).toThrow(expect.objectContaining({ code: 'PLATFORM_RELEASE_INVALID' }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.0', main: '../../etc/passwd', platform: {} }));
  expect(() => buildRelease('shop', dir, join(root, 'releases'))).toThrow(expect.objectContaining({ code: 'PLATFORM_RELEASE_INVALID' }));
  expect(() => readRelease(join(root, 'releases'), 'shop', '../../x-1234567')).toThrow(expect.objectContaining({ code: 'PLATFORM_RELEASE_INVALID' }));
  expect(() => buildRelease('../shop', serviceFolder('1.0.0', 'y'), join(root, 'releases'))).toThrow(expect.objectContaining({ code: 'PLATFORM_INVALID_NAME' }));
});

test('pruning keeps the newest N and never the running or the previous release', () => {
  const release = (id: string): Release => ({ service: 'shop', id, dir: '', entry: '', createdAt: id, source: '' });
  const all = ['1-aaaaaaa', '2-bbbbbbb', '3-ccccccc', '4-ddddddd', '5-eeeeeee'].map(release);
  expect(releasesToPrune(all, 2, []).map((r) => r.id)).toEqual(['1-aaaaaaa', '2-bbbbbbb', '3-ccccccc']);
  expect(releasesToPrune(all, 2, ['1-aaaaaaa', '3-ccccccc']).map((r) => r.id)).toEqual(['2-bbbbbbb']);
});

test('the history names the running release and the one before it; recording the same again changes nothing', () => {
  const releases = join(root, 'releases');
  expect(readHistory(releases, 'shop')).toEqual({ running: null, previous: null });
  recordRunning(releases, 'shop', '1.0.0-aaaaaaa');
  recordRunning(releases, 'shop', '1.1.0-bbbbbbb');
  recordRunning(releases, 'shop', '1.1.0-bbbbbbb');
  expect(readHistory(releases, 'shop')).toEqual({ running: '1.1.0-bbbbbbb', previous: '1.0.0-aaaaaaa' });
  writeFileSync(join(releases, 'shop/history.json'), JSON.stringify({ running: '../../etc', previous: '1.0.0-aaaaaaa' }));
  expect(readHistory(releases, 'shop')).toEqual({ running: null, previous: '1.0.0-aaaaaaa' });
});

test('a deploy request gets its defaults, and a bad field is refused naming it', () => {
  expect(parseDeployRequest({ service: 'users', release: '0.1.0-abcdef12' })).toMatchObject({ strategy: 'rolling', weight: 10, analysisS: 60, keepS: 600, thresholds: { minRequests: 50 } });
  expect(() => parseDeployRequest({ service: 'users', release: '0.1.0-abcdef12', strategy: 'yolo' })).toThrow('strategy must be one of rolling, canary, blue-green');
  expect(() => parseDeployRequest({ service: 'users', release: '0.1.0-abcdef12', weight: 101 })).toThrow('weight must be an integer from 1 to 100');
  expect(() => parseDeployRequest({ service: 'users', release: 'latest' })).toThrow(expect.objectContaining({ code: 'PLATFORM_RELEASE_INVALID' }));
});
