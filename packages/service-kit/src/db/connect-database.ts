import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger';
import type { ServiceMetrics } from '../metrics/registry';
import type { Registry } from 'prom-client';
import { installReadYourWrites } from './consistency';
import { createDatabase, type Database } from './database';
import { defaultSchema, type DbConfig } from './db-config';
import { runMigrations } from './migrations';
import { createPool } from './pools';

export interface DatabaseOptions {
  service: string;
  config: DbConfig;
  logger: Logger;
  /** The instance's registry (db_reads_total, db_read_retries_total). */
  registry: Registry;
  /** The service's migrations folder, applied at start when DB_MIGRATE_ON_START is set. */
  migrationsDir?: string;
}

export interface DatabaseSetup extends Omit<DatabaseOptions, 'registry'> {
  app: FastifyInstance;
  metrics: ServiceMetrics;
}

/**
 * A service's database from its DB_* variables: the write and read pools, read-your-writes on
 * every request (call before adding routes), migrations at start when asked. Hand `readiness`
 * and `close` back from setup so health and shutdown include the database.
 */
export async function connectDatabase(setup: DatabaseSetup): Promise<Database> {
  const db = await openDatabase({ ...setup, registry: setup.metrics.registry });
  installReadYourWrites(setup.app);
  return db;
}

/** The pools alone, for code outside an HTTP service (jobs, consumers, tests). */
export async function openDatabase(setup: DatabaseOptions): Promise<Database> {
  const { config, logger } = setup;
  const schema = config.DB_SCHEMA ?? defaultSchema(setup.service);
  if (config.DB_MIGRATE_ON_START && setup.migrationsDir) {
    const applied = await runMigrations({ url: config.DB_WRITE_URL, passwordFile: config.DB_PASSWORD_FILE, tlsCaFile: config.DB_TLS_CA_FILE, schema, dir: setup.migrationsDir, log: (m) => logger.debug(m) });
    logger.info('migrations applied at start', { schema, applied });
  }
  const common = {
    passwordFile: config.DB_PASSWORD_FILE,
    tlsCaFile: config.DB_TLS_CA_FILE,
    schema,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    applicationName: setup.service,
  };
  const readUrl = config.DB_READ_URL ?? config.DB_WRITE_URL;
  const db = createDatabase({
    write: createPool({ ...common, name: 'write', url: config.DB_WRITE_URL, max: config.DB_POOL_MAX, readOnly: false }, logger),
    read: createPool({ ...common, name: 'read', url: readUrl, max: config.DB_POOL_MAX, readOnly: true }, logger),
    readFallback: createPool({ ...common, name: 'read-fallback', url: config.DB_WRITE_URL, max: Math.max(2, Math.ceil(config.DB_POOL_MAX / 4)), readOnly: true }, logger),
    readYourWritesWaitMs: config.DB_READ_YOUR_WRITES_WAIT_MS,
    registry: setup.registry,
  });
  logger.info('database configured', { schema, write: redactUrl(config.DB_WRITE_URL), read: redactUrl(readUrl) });
  return db;
}

/** Host, port and database only: enough to know where it points, nothing to log in with. */
const redactUrl = (url: string): string => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
};
