import { z } from 'zod';
import { booleanVar, integerVar } from '../config/env-types';

const postgresUrl = z
  .string()
  .url('must be a postgresql:// URL')
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgresql:// URL')
  // The password belongs in DB_PASSWORD_FILE: a URL ends up in process listings and state files.
  .refine((v) => new URL(v).password === '', 'must not contain a password; use DB_PASSWORD_FILE');

/** Plain identifiers only, so the name needs no quoting in search_path or in migrations. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A service's default schema: its name, made a plain identifier. */
export const defaultSchema = (service: string): string => service.toLowerCase().replace(/[^a-z0-9_]/g, '_').replace(/^([0-9])/, '_$1');

/**
 * The variables of a service that uses the kit's database layer; a service adds them to its own
 * config (`config: { ...dbConfigShape }`). As everywhere in the kit, the environment wins over
 * the defaults written here.
 */
export const dbConfigShape = {
  /** Where writes go: the primary (through the write listener on the platform). */
  DB_WRITE_URL: postgresUrl,
  /** Where reads go: the replicas (through the read listener); defaults to DB_WRITE_URL. */
  DB_READ_URL: postgresUrl.optional(),
  /** File holding the password of the URLs' user (mode 600); read at every new connection. */
  DB_PASSWORD_FILE: z.string().min(1).optional(),
  /** PEM certificate(s) to verify the database server with: given, every connection uses TLS (the cloud layout's hostssl). */
  DB_TLS_CA_FILE: z.string().min(1).optional(),
  /** Schema of this service's tables and of its migrations table; defaults to the service name. */
  DB_SCHEMA: z.string().regex(SCHEMA_NAME, 'must be a lower-case SQL identifier (letters, digits, underscore)').optional(),
  DB_POOL_MAX: integerVar(1, 500).default('10'),
  DB_STATEMENT_TIMEOUT_MS: integerVar(100, 600_000).default('5000'),
  DB_CONNECT_TIMEOUT_MS: integerVar(100, 60_000).default('3000'),
  /** Longest wait for a replica to replay a write the request must see, before reading from the primary. */
  DB_READ_YOUR_WRITES_WAIT_MS: integerVar(0, 60_000).default('500'),
  /** Apply pending migrations at start (`platform up` and `platform migrate` do it otherwise). */
  DB_MIGRATE_ON_START: booleanVar.default('false'),
};

export type DbConfig = z.infer<z.ZodObject<typeof dbConfigShape>>;
