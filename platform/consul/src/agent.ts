import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { platformBin, startUntilReady, writeSecretFile, type ExitStatus } from '@platform/process-runner';
import { renderAgentConfig, type ClusterMembership, type ConsulPorts } from './agent-config';
import { readSecurityValues, type ConsulSecurity } from './security-files';

export interface ConsulAgentOptions {
  /** Holds data/, consul.json and consul.log; data/ survives restarts. */
  stateDir: string;
  ports: ConsulPorts;
  nodeName?: string;
  datacenter?: string;
  bindAddr?: string;
  binary?: string;
  startTimeoutMs?: number;
  /** Join a multi-node cluster instead of being a lone server. */
  cluster?: ClusterMembership;
  /** Gossip key, CA, certificate and tokens (security-files.ts): always on. */
  security: ConsulSecurity;
}

export interface ConsulAgent {
  readonly httpAddr: string;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

export async function startConsulAgent(options: ConsulAgentOptions): Promise<ConsulAgent> {
  const bindAddr = options.bindAddr ?? '127.0.0.1';
  const dataDir = join(options.stateDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const configFile = join(options.stateDir, 'consul.json');
  const config = renderAgentConfig({
    nodeName: options.nodeName ?? 'node-1',
    datacenter: options.datacenter ?? 'local',
    dataDir,
    bindAddr,
    ports: options.ports,
    cluster: options.cluster,
    security: readSecurityValues(options.security),
  });
  // It holds the gossip key and tokens: readable by the platform's user alone.
  writeSecretFile(configFile, JSON.stringify(config, null, 2));

  const httpAddr = `${options.cluster?.clientAddr ?? bindAddr}:${options.ports.http}`;
  const child = await startUntilReady(options.binary ?? platformBin('consul'), ['agent', `-config-file=${configFile}`], {
    outputFile: join(options.stateDir, 'consul.log'),
    detached: true,
    what: `consul at ${httpAddr}`,
    ready: () => hasLeader(httpAddr),
    timeoutMs: options.startTimeoutMs ?? 30_000,
    stopOnFailure: (c) => c.stop(2_000),
  });
  return {
    httpAddr,
    pid: child.pid,
    exited: child.exited,
    stop: (graceMs) => child.stop(graceMs),
  };
}

/** Ready means a leader is elected: before that the agent answers but cannot serve a write. */
async function hasLeader(httpAddr: string): Promise<boolean> {
  const res = await fetch(`http://${httpAddr}/v1/status/leader`);
  const leader = (await res.json()) as string;
  return res.ok && leader.length > 0;
}
