import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-process';

export interface Fault {
  /** Every Nth request answers 500 (20: 5 %). */
  errorEvery?: number;
  /** Every request waits this long before it is handled. */
  delayMs?: number;
  /** The build exits at once: it never passes a health check. */
  failStart?: boolean;
  /** Every answer carries `x-fixture-build: <marker>`. */
  marker?: string;
}

/**
 * A built copy of services/<service> under a new version, for `platform deploy <service> --from`:
 * what a team's next build would be. With a fault, the copy's main first loads the fixture
 * tests/fixtures/faulty-release/inject-fault.js (copied in beside it) — the bad build exists only
 * in this temporary folder, never in services/.
 */
export function releaseVariant(service: string, version: string, fault?: Fault): string {
  const source = join(repoRoot, 'services', service);
  const dir = mkdtempSync(join(tmpdir(), `release-${service}-`));
  cpSync(join(source, 'dist'), join(dir, 'dist'), { recursive: true });
  if (existsSync(join(source, 'migrations'))) cpSync(join(source, 'migrations'), join(dir, 'migrations'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string; main?: string };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  if (fault) {
    const main = join(dir, pkg.main ?? 'dist/main.js');
    renameSync(main, `${main.slice(0, -3)}-unfaulted.js`);
    cpSync(join(repoRoot, 'tests/fixtures/faulty-release/inject-fault.js'), join(dir, 'dist/inject-fault.js'));
    writeFileSync(join(dir, 'dist/fault.json'), JSON.stringify(fault));
    const unfaulted = `./${(pkg.main ?? 'dist/main.js').slice('dist/'.length, -3)}-unfaulted.js`;
    writeFileSync(main, `'use strict';\nrequire('./inject-fault.js');\nrequire(${JSON.stringify(unfaulted)});\n`);
  }
  return dir;
}
