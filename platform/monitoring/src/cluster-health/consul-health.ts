import type { ConsulClient } from '@platform/service-kit';

export interface ConsulHealth {
  /** Whether the servers have elected a leader (the agent names one). */
  leader: boolean;
  /** Each Consul server (service `consul` in the catalog) and whether the cluster's gossip finds it alive. */
  servers: { name: string; up: boolean }[];
}

interface ConsulServiceEntry {
  Node?: { Node?: string };
  Checks?: { CheckID?: string; Status?: string }[];
}

/**
 * The servers' state as any agent sees it: the raft leader's address (empty while there is none),
 * and each server's serfHealth, which turns critical within seconds of a server's loss; a lost
 * server stays in the catalog (critical) until it is removed or reaped, so it keeps reading down.
 */
export async function readConsulHealth(consul: ConsulClient): Promise<ConsulHealth> {
  const [leader, entries] = await Promise.all([consul.status.leader() as Promise<string>, consul.health.service({ service: 'consul' }) as Promise<ConsulServiceEntry[]>]);
  const servers = entries
    .map((entry) => ({
      name: entry.Node?.Node ?? '',
      up: (entry.Checks ?? []).some((check) => check.CheckID === 'serfHealth' && check.Status === 'passing'),
    }))
    .filter((server) => server.name !== '');
  return { leader: typeof leader === 'string' && leader.length > 0, servers };
}
