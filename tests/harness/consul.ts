import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsulAgent, type ConsulAgent, type ConsulPorts } from '@platform/consul';
import { freePort } from '@platform/process-runner';

export interface TestConsul {
  agent: ConsulAgent;
  httpAddr: string;
  stateDir: string;
  ports: ConsulPorts;
  /** Stops the agent; `wipe` also removes its data, as if the node were replaced. */
  restart(options?: { wipe?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** A real Consul server of its own for one test file: own ports on loopback, own data dir. */
export async function startTestConsul(): Promise<TestConsul> {
  const stateDir = mkdtempSync(join(tmpdir(), 'consul-test-'));
  const ports: ConsulPorts = { http: await freePort(), server: await freePort(), serfLan: await freePort(), dns: -1 };
  const start = () => startConsulAgent({ stateDir, ports, nodeName: 'test-node' });
  const handle: TestConsul = {
    agent: await start(),
    httpAddr: `127.0.0.1:${ports.http}`,
    stateDir,
    ports,
    async restart(options = {}) {
      await handle.agent.stop();
      if (options.wipe) rmSync(join(stateDir, 'data'), { recursive: true, force: true });
      handle.agent = await start();
    },
    async stop() {
      await handle.agent.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return handle;
}
