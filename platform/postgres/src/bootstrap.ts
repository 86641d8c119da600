import type { Client } from 'pg';
import { DB_ROLES, type ClusterSecrets, type DbRole } from './secrets';

/**
 * Whether the server takes writes. Patroni answers /primary once it holds the leader lock, while a
 * member restarted as a replica may still be finishing its promotion (read-only for a moment: a
 * GRANT there failed with "read-only transaction" in CI).
 */
export async function takesWrites(client: Client): Promise<boolean> {
  return !(await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering')).rows[0]?.recovering;
}

/**
 * Brings a primary to what the platform expects: its roles, the application database owned by
 * the app role, and one physical slot per replica. Safe to run at every start: it only adds what
 * is missing (a password is set when its role is created, never logged).
 */
export async function bootstrapPrimary(client: Client, secrets: ClusterSecrets, database: string, slots: readonly string[]): Promise<void> {
  const roles: { role: DbRole; attributes: string }[] = [
    { role: 'app', attributes: 'LOGIN' },
    { role: 'replicator', attributes: 'LOGIN REPLICATION' },
    { role: 'monitor', attributes: 'LOGIN' },
  ];
  const existing = new Set((await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles')).rows.map((r) => r.rolname));
  for (const { role, attributes } of roles) {
    if (existing.has(DB_ROLES[role])) continue;
    await client.query(`CREATE ROLE ${client.escapeIdentifier(DB_ROLES[role])} ${attributes} PASSWORD ${client.escapeLiteral(secrets.password(role))}`);
  }
  await client.query(`GRANT pg_monitor TO ${client.escapeIdentifier(DB_ROLES.monitor)}`);

  const dbExists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
  if (!dbExists) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${client.escapeIdentifier(DB_ROLES.app)}`);

  for (const slot of slots) {
    await client.query('SELECT pg_create_physical_replication_slot($1) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)', [slot]);
  }
}
