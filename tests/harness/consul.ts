import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulAcl, ensureLocalSecurity, localTokensDir, startConsulAgent, type ConsulAgent, type ConsulPorts, type ConsulSecurity } from '@platform/consul';
import { freePort, platformBin, readSecretFile, writeSecretFile } from '@platform/process-runner';
import { rememberOperatorToken } from './consul-queries';
import { stoppedAtEnd } from './stopped-at-end';

export interface TestConsul {
  agent: ConsulAgent;
  httpAddr: string;
  stateDir: string;
  ports: ConsulPorts;
  /** Gossip key, CA, certificates and tokens, made the way `platform up` makes them. */
  security: ConsulSecurity;
  /** The management token (tests assert what Consul holds with it; processes get scoped tokens). */
  managementToken: string;
  /**
   * A 0600 file holding a token minted with the platform's rules (acl-rules.ts), e.g.
   * `lb-controller` or `service-users`: what a process gets as CONSUL_HTTP_TOKEN_FILE.
   */
  tokenFile(name: string): Promise<string>;
  /** Stops the agent; `wipe` also removes its data, as if the node were replaced. */
  restart(options?: { wipe?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

const DATACENTER = 'local';
const NODE_NAME = 'test-node';
const running = new Map<string, TestConsul>();

/** The harness's agent at `httpAddr`, so helpers given only an address can mint a token for it. */
export function testConsulAt(httpAddr: string): TestConsul | undefined {
  return running.get(httpAddr);
}

/** A real Consul server of its own for one test file: own ports on loopback, own data dir, ACLs, gossip key and TLS on. */
export async function startTestConsul(): Promise<TestConsul> {
  const stateDir = mkdtempSync(join(tmpdir(), 'consul-test-'));
  const ports: ConsulPorts = { http: await freePort(), server: await freePort(), serfLan: await freePort(), dns: -1 };
  const secretsDir = join(stateDir, 'secrets');
  const security = ensureLocalSecurity(secretsDir, DATACENTER, platformBin('consul'));
  const managementToken = readSecretFile(security.managementTokenFile ?? '', 'the management token file');
  const httpAddr = `127.0.0.1:${ports.http}`;
  const acl = new ConsulAcl(httpAddr, managementToken);
  const minted = new Map<string, Promise<string>>();
  const start = async (): Promise<ConsulAgent> => {
    const agent = await startConsulAgent({ stateDir, ports, nodeName: NODE_NAME, security });
    await acl.ready();
    // Wiped data loses every token: the agent's own and those already handed out come back with their SecretIDs.
    await acl.ensureNamedToken('agent', readSecretFile(security.agentTokenFile ?? '', 'agent token'), { datacenter: DATACENTER, nodeName: NODE_NAME });
    for (const name of minted.keys()) await acl.ensureNamedToken(name, readSecretFile(join(localTokensDir(secretsDir), name), name), { datacenter: DATACENTER });
    return agent;
  };
  const handle: TestConsul = {
    agent: await start(),
    httpAddr,
    stateDir,
    ports,
    security,
    managementToken,
    tokenFile(name) {
      const file = join(localTokensDir(secretsDir), name);
      const made =
        minted.get(name) ??
        (async () => {
          if (!existsSync(file)) writeSecretFile(file, randomUUID());
          await acl.ensureNamedToken(name, readSecretFile(file, name), { datacenter: DATACENTER });
          return file;
        })();
      minted.set(name, made);
      return made;
    },
    async restart(options = {}) {
      await handle.agent.stop();
      if (options.wipe) rmSync(join(stateDir, 'data'), { recursive: true, force: true });
      handle.agent = await start();
    },
    async stop() {
      running.delete(httpAddr);
      await handle.agent.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  running.set(httpAddr, handle);
  rememberOperatorToken(httpAddr, managementToken);
  return stoppedAtEnd(handle);
}
