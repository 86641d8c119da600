import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, waitFor, writeSecretFile, type ChildHandle, type ExitStatus } from '@platform/process-runner';
import { renderAgentConfig, type ClusterMembership, type ConsulPorts } from './agent-config';
import { platformBin } from './paths';
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

  const child = startChild(options.binary ?? platformBin('consul'), ['agent', `-config-file=${configFile}`], {
    outputFile: join(options.stateDir, 'consul.log'),
    detached: true,
  });
  const httpAddr = `${options.cluster?.clientAddr ?? bindAddr}:${options.ports.http}`;
  try {
    await waitUntilLeader(httpAddr, child, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    await child.stop(2_000);
    throw err;
  }
  return {
    httpAddr,
    pid: child.pid,
    exited: child.exited,
    stop: (graceMs) => child.stop(graceMs),
  };
}

async function waitUntilLeader(httpAddr: string, child: ChildHandle, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (!child.isRunning()) {
        const status = await child.exited;
        throw new Error(`consul exited during start (code ${status.code}, signal ${status.signal}); see consul.log`);
      }
      const res = await fetch(`http://${httpAddr}/v1/status/leader`);
      const leader = (await res.json()) as string;
      return res.ok && leader.length > 0;
    },
    { timeoutMs, intervalMs: 200, what: `consul at ${httpAddr} to elect a leader` },
  );
}
