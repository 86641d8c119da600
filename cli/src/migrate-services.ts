import { defaultSchema, runMigrations } from '@platform/service-kit';
import { discoverServices } from './service-catalog';
import { CodedError, PlatformError } from '@platform/process-runner';

export interface MigrationOutcome {
  service: string;
  schema: string;
  /** Names of the migrations applied (up) or reverted (down) by this run. */
  changed: string[];
}

export interface MigrateOptions {
  /** Where DB_WRITE_URL and DB_PASSWORD_FILE come from (the running platform's, or the caller's). */
  env: Record<string, string | undefined>;
  /** Only these services; every service with a migrations/ folder when absent. */
  services?: string[];
  direction: 'up' | 'down';
  count?: number;
  log?: (message: string) => void;
}

/**
 * Runs services' migrations (services/<name>/migrations) against the write URL, one service
 * at a time, each in its own schema, as the services themselves would.
 */
export async function migrateServices(options: MigrateOptions): Promise<MigrationOutcome[]> {
  writeUrlOf(options.env);
  const known = discoverServices().flatMap((s) => (s.migrationsDir ? [{ service: s.name, dir: s.migrationsDir }] : []));
  for (const name of options.services ?? []) {
    if (!known.some((s) => s.service === name)) throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', `${name} has no migrations; services with migrations: ${known.map((s) => s.service).join(', ')}`);
  }
  const chosen = options.services ? known.filter((s) => options.services?.includes(s.service)) : known;
  const outcomes: MigrationOutcome[] = [];
  for (const { service, dir } of chosen) outcomes.push(await migrateService(options, service, dir));
  return outcomes;
}

/**
 * One service's migrations from `dir` (its checkout's folder, or a release's copy for a deploy),
 * in its own schema: the one runner of `platform up`, `platform migrate` and `platform deploy`.
 */
export async function migrateService(options: Omit<MigrateOptions, 'services'>, service: string, dir: string): Promise<MigrationOutcome> {
  const url = writeUrlOf(options.env);
  const schema = defaultSchema(service);
  const changed = await runMigrations({ url, passwordFile: options.env.DB_PASSWORD_FILE, tlsCaFile: options.env.DB_TLS_CA_FILE, schema, dir, direction: options.direction, count: options.count, log: options.log }).catch((err: unknown) => {
    if (err instanceof CodedError) throw err;
    throw new PlatformError('PLATFORM_MIGRATION_FAILED', `${service}'s migrations in schema ${schema}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  return { service, schema, changed };
}

function writeUrlOf(env: MigrateOptions['env']): string {
  if (!env.DB_WRITE_URL) throw new PlatformError('PLATFORM_DB_NOT_CONFIGURED', 'DB_WRITE_URL is not set: start the platform (npm run up) or set DB_WRITE_URL and DB_PASSWORD_FILE');
  return env.DB_WRITE_URL;
}
