import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@platform/process-runner';

export interface ServiceEntry {
  name: string;
  entry: string;
  defaultInstances: number;
  /** services/<name>/migrations, when the service has one. */
  migrationsDir?: string;
}

interface ServicePackageJson {
  main?: string;
  platform?: { instances?: number };
}

/** A service's folder in the checkout: what `up` and `platform deploy` make releases of. */
export const serviceFolder = (name: string, root = repoRoot): string => join(root, 'services', name);

/**
 * The services this checkout can run: every folder under services/ whose package.json has a
 * `platform` section. Adding a service is adding such a folder; nothing central lists them.
 */
export function discoverServices(root = repoRoot): ServiceEntry[] {
  const servicesDir = join(root, 'services');
  const entries: ServiceEntry[] = [];
  for (const name of readdirSync(servicesDir).sort()) {
    const pkgFile = join(servicesDir, name, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as ServicePackageJson;
    if (!pkg.platform) continue;
    const migrationsDir = join(servicesDir, name, 'migrations');
    entries.push({
      name,
      entry: join(servicesDir, name, pkg.main ?? 'dist/main.js'),
      defaultInstances: pkg.platform.instances ?? 1,
      ...(existsSync(migrationsDir) ? { migrationsDir } : {}),
    });
  }
  return entries;
}
