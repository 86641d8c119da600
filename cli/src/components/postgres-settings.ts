import { freePort } from '@platform/process-runner';
import { envInt } from '../env-number';

/**
 * The local database's settings. Like the rest of the platform's settings, each comes from the
 * environment when set there, else from the default written here; there is no other source.
 */
export interface PostgresSettings {
  /** 1 leader + this many streaming replicas, each run by its own Patroni. */
  replicas: number;
  /** Server i listens on basePort + i; 0 picks free ports at every start. */
  basePort: number;
  /** Server i's role check listens on roleCheckBasePort + i; 0 picks free ports. */
  roleCheckBasePort: number;
  maxReplicaLagMs: number;
  /** Member i's Patroni REST API listens on restBasePort + i (loopback); 0 picks free ports. */
  restBasePort: number;
  /** Patroni's synchronous_mode: an acknowledged write survives the loss of the leader. */
  synchronous: boolean;
}

function envSwitch(name: string, fallback: boolean): boolean {
  const raw = process.env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true') return true;
  if (raw === 'off' || raw === 'false') return false;
  throw new Error(`${name} must be on or off, got ${JSON.stringify(process.env[name])}`);
}


export function loadPostgresSettings(): PostgresSettings {
  return {
    replicas: envInt('POSTGRES_REPLICAS', 2, 0, 8),
    basePort: envInt('POSTGRES_PORT', 5433, 0, 65_000),
    roleCheckBasePort: envInt('POSTGRES_ROLE_CHECK_PORT', 8433, 0, 65_000),
    maxReplicaLagMs: envInt('POSTGRES_MAX_REPLICA_LAG_MS', 500, 0, 3_600_000),
    restBasePort: envInt('POSTGRES_PATRONI_PORT', 8008, 0, 65_000),
    synchronous: envSwitch('POSTGRES_SYNCHRONOUS', true),
  };
}

export async function portsFrom(base: number, count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(base === 0 ? await freePort() : base + i);
  return ports;
}
