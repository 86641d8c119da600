import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chownTree, type ServerUser } from './os-user';

/** The database roles the platform creates; each gets its own generated password. */
export const DB_ROLES = {
  /** Superuser, used only to bootstrap roles and the database. */
  admin: 'postgres',
  /** Owns the application database; services and migrations connect as it. */
  app: 'platform_app',
  /** Streams WAL to the replicas. */
  replicator: 'replicator',
  /** Reads role and replay positions for the role checks (pg_monitor). */
  monitor: 'platform_monitor',
} as const;

export type DbRole = keyof typeof DB_ROLES;

/**
 * The user Patroni's REST API asks for on every call that changes something (switchover,
 * failover, reinitialize, restart, configuration): without it anyone who reaches a member's REST
 * port (every machine of the private network, in the cloud) could demote the leader.
 */
export const PATRONI_REST_USER = 'patroni';

/** Basic credentials for Patroni's REST API. */
export interface RestCredentials {
  username: string;
  password: string;
}

export interface ClusterSecrets {
  dir: string;
  passwordFile(role: DbRole): string;
  password(role: DbRole): string;
  /** libpq password file the servers use to reach the primary as the replicator. */
  pgpassFile: string;
  /** The REST API password's file (restApiPasswordFile) and what Patroni and its clients log in with. */
  restPasswordFile: string;
  restCredentials(): RestCredentials;
}

/** The REST API password's file in a cluster's secrets folder (also where `platform db` reads it). */
export const restApiPasswordFile = (secretsDir: string): string => join(secretsDir, 'rest-api.password');

/** Reads the REST API credentials from the password file. */
export const readRestCredentials = (file: string): RestCredentials => ({ username: PATRONI_REST_USER, password: readFileSync(file, 'utf8').trim() });


/**
 * Generates every missing password once and keeps each in its own file (mode 600, folder 700,
 * owned by the server user so initdb and the replicas can read theirs). Nothing here prints or
 * exports a password: callers pass file paths on.
 */
export function ensureSecrets(dir: string, user: ServerUser | undefined): ClusterSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const passwordFile = (role: DbRole): string => join(dir, `${role}.password`);
  const restPasswordFile = restApiPasswordFile(dir);
  for (const file of [...(Object.keys(DB_ROLES) as DbRole[]).map(passwordFile), restPasswordFile]) {
    if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  const password = (role: DbRole): string => readFileSync(passwordFile(role), 'utf8').trim();
  const pgpassFile = join(dir, 'replication.pgpass');
  // base64url passwords hold no ':' or '\', the two characters a pgpass line would need escaped.
  writeFileSync(pgpassFile, `*:*:*:${DB_ROLES.replicator}:${password('replicator')}\n`, { mode: 0o600 });
  chownTree(dir, user);
  return { dir, passwordFile, password, pgpassFile, restPasswordFile, restCredentials: () => readRestCredentials(restPasswordFile) };
}
