import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch, type CliOutput } from '../../cli/src/command/dispatch';
import { describeFailure } from '../../cli/src/failure';
import { COMMANDS } from '../../cli/src/registry';
import { checkRouteClaim, type HeldRoute } from '../../cli/src/new-service/route-claim';
import { checkNewServiceName, serviceNameProblem } from '../../cli/src/new-service/service-name';
import type { NewServiceOptions } from '../../cli/src/new-service/templates/options';
import { registerWorkspace, serviceFiles, writeService } from '../../cli/src/new-service/write-service';

const options = (more: Partial<NewServiceOptions> = {}): NewServiceOptions => ({ name: 'stock-levels', db: false, events: false, auth: 'required', instances: 1, ...more });

const fileOf = (files: { path: string; content: string }[], path: string): string => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} among ${files.map((f) => f.path).join(', ')}`);
  return file.content;
};

test('a service name is the platform rule starting with a letter, and none of the names its own processes use', () => {
  for (const good of ['inventory', 'stock-levels', 'a1', `a${'b'.repeat(62)}`]) expect({ good, problem: serviceNameProblem(good) }).toEqual({ good, problem: undefined });
  for (const bad of ['Inventory', '1abc', 'a_b', 'a--b', 'a-', '', `a${'b'.repeat(63)}`, '../etc', 'a/b', 'consul', 'gateway', 'kafka', 'lb-controller']) {
    expect({ bad, refused: serviceNameProblem(bad) !== undefined }).toEqual({ bad, refused: true });
  }
});

test('a name whose folder or workspace package exists is refused with its code', () => {
  const root = mkdtempSync(join(tmpdir(), 'new-service-'));
  mkdirSync(join(root, 'services', 'inventory'), { recursive: true });
  mkdirSync(join(root, 'packages', 'cli'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ workspaces: ['packages/cli', 'packages/missing'] }));
  writeFileSync(join(root, 'packages', 'cli', 'package.json'), JSON.stringify({ name: '@platform/cli' }));
  expect(() => checkNewServiceName(root, 'cli')).toThrow('the package @platform/cli already exists (packages/cli)');
  expect(() => checkNewServiceName(root, 'inventory')).toThrow(expect.objectContaining({ code: 'PLATFORM_NEW_SERVICE_EXISTS' }));
  expect(() => checkNewServiceName(root, 'Inventory')).toThrow(expect.objectContaining({ code: 'PLATFORM_NEW_SERVICE_NAME' }));
  expect(() => checkNewServiceName(root, 'stock')).not.toThrow();
});

test('a route must be a valid prefix under the name (or granted), and one another service holds, or holds a part of, is refused naming it', () => {
  const grants = new Map([['shop', ['/inventory/public']]]);
  const held: HeldRoute[] = [
    { service: 'shop', prefix: '/inventory/public', source: 'route grants' },
    { service: 'rogue', prefix: '/stock', source: 'consul' },
    { service: 'inventory', prefix: '/inventory', source: 'consul' },
  ];
  expect(() => checkRouteClaim('inventory', '/inventory/v2', held, grants)).not.toThrow();
  expect(() => checkRouteClaim('inventory', '/inventory', held, grants)).toThrow('--route /inventory is taken: shop holds /inventory/public (route grants)');
  expect(() => checkRouteClaim('inventory', '/inventory/public/x', held, grants)).toThrow('shop holds /inventory/public');
  expect(() => checkRouteClaim('stock', '/stock', held, grants)).toThrow(expect.objectContaining({ code: 'PLATFORM_NEW_SERVICE_ROUTE_TAKEN', message: expect.stringContaining('rogue holds /stock (consul)') }));
  expect(() => checkRouteClaim('inventory', '/orders', held, grants)).toThrow('--route /orders is outside /inventory');
  expect(() => checkRouteClaim('inventory', '/inventory/../orders', held, grants)).toThrow('is not a path prefix');
  expect(() => checkRouteClaim('docs', '/docs', held, grants)).toThrow('is reserved by the gateway');
});

test('the files follow the flags: a memory repo alone, PostgreSQL with --db, an outbox producer and its migration with --events', () => {
  const plain = serviceFiles(options());
  expect(plain.map((f) => f.path).sort()).toEqual(['package.json', 'src/app.ts', 'src/config.ts', 'src/domain/item.ts', 'src/main.ts', 'src/repo/items-repo.ts', 'src/routes/stock-levels-routes.ts', 'test/stock-levels-routes.test.ts', 'tsconfig.json']);
  expect(fileOf(plain, 'src/app.ts')).toContain("Internal only: other services call it with services.call('stock-levels'");
  expect(fileOf(plain, 'src/app.ts')).not.toContain('gateway-prefix');
  expect(JSON.parse(fileOf(plain, 'package.json'))).toMatchObject({ name: '@platform/stock-levels', main: 'dist/main.js', platform: { instances: 1 } });

  const full = serviceFiles(options({ db: true, events: true, route: '/stock-levels', auth: 'public', instances: 3 }));
  const paths = full.map((f) => f.path);
  expect(paths).toEqual(expect.arrayContaining(['src/repo/postgres-items-repo.ts', 'src/events/stock-levels-events.ts']));
  expect(paths.filter((p) => p.startsWith('migrations/')).map((p) => p.replace(/^migrations\/\d+_/, ''))).toEqual(['create-items.sql', 'create-outbox.js']);
  const app = fileOf(full, 'src/app.ts');
  expect(app).toContain("meta: { 'gateway-prefix': '/stock-levels', 'gateway-auth': 'public' }");
  expect(app).toContain('export const stockLevelsService');
  expect(app).toContain('produces: [STOCK_LEVELS_TOPIC]');
  expect(fileOf(full, 'src/config.ts')).toContain("STOCK_LEVELS_PAGE_LIMIT_MAX: env.integerVar(1, 1000).default('100')");
  expect(fileOf(full, 'src/repo/postgres-items-repo.ts')).toContain('await recordItemCreated(tx, item);');
  expect(JSON.parse(fileOf(full, 'package.json'))).toMatchObject({ platform: { instances: 3 } });
});

test('a service written again under the same name gets the same migration names, so its kept schema history still matches', () => {
  const migrations = (): string[] => serviceFiles(options({ db: true, events: true })).map((f) => f.path).filter((p) => p.startsWith('migrations/'));
  const first = migrations();
  expect(first).toHaveLength(2);
  expect(migrations()).toEqual(first);
});

test('the service joins the workspaces and references after the other services, once; an existing folder is never written into', () => {
  const root = mkdtempSync(join(tmpdir(), 'new-service-'));
  mkdirSync(join(root, 'services'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'x', workspaces: ['packages/kit', 'services/users', 'packages/cli'] }));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ files: [], references: [{ path: 'packages/kit' }, { path: 'services/users' }, { path: 'packages/cli' }] }));
  const written = writeService(root, options({ db: true }));
  expect(written).toEqual(expect.arrayContaining(['services/stock-levels/src/app.ts', 'services/stock-levels/test/stock-levels-routes.test.ts']));
  for (const path of written) expect(readFileSync(join(root, path), 'utf8').length).toBeGreaterThan(0);
  registerWorkspace(root, 'stock-levels');
  registerWorkspace(root, 'stock-levels');
  expect((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces).toEqual(['packages/kit', 'services/users', 'services/stock-levels', 'packages/cli']);
  expect((JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { references: { path: string }[] }).references.map((r) => r.path)).toEqual(['packages/kit', 'services/users', 'services/stock-levels', 'packages/cli']);
  expect(() => writeService(root, options())).toThrow(/EEXIST/);
});

/** Runs `platform <argv>` in-process as bin.ts does: what it prints, and its exit status. */
async function platform(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliOutput = { out: (text) => void (out += text), err: (text) => void (err += text) };
  try {
    return { code: await dispatch(COMMANDS, argv, io), out, err };
  } catch (thrown) {
    const failure = describeFailure(thrown);
    return { code: failure.exit, out, err: err + failure.text };
  }
}

test('-h and --help print the usage, every flag and an example with exit 0; bad input exits 2 with its code', async () => {
  const help = await platform('new', 'service', '-h');
  expect(help).toMatchObject({ code: 0, err: '' });
  for (const text of ['--db', '--events', '--route', '--auth', '--instances', 'new service inventory --db --route /inventory']) expect(help.out).toContain(text);
  expect(await platform('remove', 'service', '--help')).toMatchObject({ code: 0, out: expect.stringContaining('remove service <name>') });
  expect(await platform('new', 'service', 'x1', '--bogus')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") });
  expect(await platform('new', 'service', 'x1', '--instances', '51')).toMatchObject({ code: 2, err: expect.stringContaining('PLATFORM_USAGE') });
  expect(await platform('new', 'thing', 'x1')).toMatchObject({ code: 2, err: expect.stringContaining('new service') });
  expect(await platform('remove', 'service', '../x')).toMatchObject({ code: 2, err: expect.stringContaining('PLATFORM_NEW_SERVICE_NAME') });
});
