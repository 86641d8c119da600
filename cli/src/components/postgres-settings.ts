import { freePort } from '@platform/process-runner';
import { MAX_REPLICA_LAG_VAR } from '@platform/service-kit';
import type { PortNumbers, SettingsValues } from '../settings-env';

/** The local database's settings (variables in settings-env.ts). */
export interface PostgresSettings {
  /** 1 leader + this many streaming replicas, each run by its own Patroni. */
  replicas: number;
  /** Server i listens on basePort + i; 0 picks free ports at every start. */
  basePort: number;
  /** Server i's role check listens on roleCheckBasePort + i; 0 picks free ports. */
  roleCheckBasePort: number;
  /** POSTGRES_MAX_REPLICA_LAG_MS: the role checks' and the database HAProxy's one bound. */
  maxReplicaLagMs: number;
  /** Member i's Patroni REST API listens on restBasePort + i (loopback); 0 picks free ports. */
  restBasePort: number;
  /** Patroni's synchronous_mode: an acknowledged write survives the loss of the leader. */
  synchronous: boolean;
}

export function postgresSettingsFrom(values: SettingsValues, ports: PortNumbers): PostgresSettings {
  return {
    replicas: values.POSTGRES_REPLICAS,
    basePort: ports.postgres,
    roleCheckBasePort: ports.postgresRoleCheck,
    maxReplicaLagMs: values[MAX_REPLICA_LAG_VAR],
    restBasePort: ports.postgresPatroni,
    synchronous: values.POSTGRES_SYNCHRONOUS,
  };
}

export async function portsFrom(base: number, count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(base === 0 ? await freePort() : base + i);
  return ports;
}
