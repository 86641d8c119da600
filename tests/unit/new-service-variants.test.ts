import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewServiceOptions } from '../../cli/src/new-service/templates/options';
import { writeService } from '../../cli/src/new-service/write-service';
import { repoRoot } from '../harness/service-process';

/**
 * What `platform new service` writes compiles under the repository's strict settings for every
 * combination of flags (the e2e builds and runs one: --db --route). Generated into a scratch root
 * that borrows this checkout's packages and node_modules, so the checkout is not touched.
 */
const VARIANTS: NewServiceOptions[] = [
  { name: 'plain', db: false, events: false, auth: 'required', instances: 1 },
  { name: 'stock-levels', db: true, events: false, route: '/stock-levels/v1', auth: 'required', instances: 2 },
  { name: 'shipments2', db: true, events: true, route: '/shipments2', auth: 'public', instances: 1 },
];

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'new-service-variants-'));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(repoRoot, 'packages'), join(root, 'packages'));
  copyFileSync(join(repoRoot, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
  mkdirSync(join(root, 'services'));
  for (const variant of VARIANTS) writeService(root, variant);
});

test.each(VARIANTS)('$name (db $db, events $events) compiles, and its definition carries its name and route', (variant) => {
  const dir = join(root, 'services', variant.name);
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect({ code: tsc.status, out: `${tsc.stdout}${tsc.stderr}` }).toEqual({ code: 0, out: '' });
  const app = require(join(dir, 'dist', 'app.js')) as Record<string, { name: string; meta?: Record<string, string> }>;
  const definition = Object.values(app).find((v) => typeof v === 'object' && 'name' in v);
  expect(definition?.name).toBe(variant.name);
  expect(definition?.meta).toEqual(variant.route ? { 'gateway-prefix': variant.route, 'gateway-auth': variant.auth } : undefined);
});
