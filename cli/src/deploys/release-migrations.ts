import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '@platform/process-runner';
import { migrateService } from '../migrate-services';
import type { Release } from '../releases/release-store';

/**
 * A deploy's first step: the new release's pending migrations (its own copy of migrations/, what
 * its code expects), applied with the runner `platform migrate` uses, before any instance of it
 * starts. They run in one transaction, so a failure leaves the schema as it was; the deploy then
 * stops with PLATFORM_DEPLOY_MIGRATION_FAILED and the old release keeps running untouched. The
 * old release runs on the new schema for the whole rollout (and after a rollback), which is why
 * a migration must only add what the old code ignores (expand/contract, docs/deploys.md).
 * A release without migrations, or a platform without a database, has nothing to apply.
 */
export async function applyReleaseMigrations(env: Record<string, string | undefined>, release: Release): Promise<string[]> {
  const dir = join(release.dir, 'migrations');
  if (!existsSync(dir) || !env.DB_WRITE_URL) return [];
  try {
    return (await migrateService({ env, direction: 'up' }, release.service, dir)).changed;
  } catch (err) {
    throw new PlatformError(
      'PLATFORM_DEPLOY_MIGRATION_FAILED',
      `the migrations of ${release.service} release ${release.id} failed, so no instance of it was started: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
