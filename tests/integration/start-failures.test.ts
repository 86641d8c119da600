import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalSecurity, startConsulAgent } from '@platform/consul';
import { startFilebeat } from '@platform/filebeat';
import { startKafkaBroker } from '@platform/kafka';
import { startOpenSearchNode } from '@platform/opensearch';
import { freePort, platformBin, StartError } from '@platform/process-runner';

// Each component is started through the same platform/ code `platform up` uses, with one setting
// it must refuse. The start has to fail because the process exited (not at the timeout, which is
// set far beyond the test's own), and say why in the component's own words.

const root = mkdtempSync(join(tmpdir(), 'start-failures-'));
const NEVER = 600_000;

/** A loopback port some other program already listens on: the setting a component is given. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server };
}

async function exitError(start: Promise<{ stop(): Promise<unknown> }>): Promise<StartError> {
  const outcome = await start.then(
    async (started) => {
      await started.stop();
      return new Error('the start succeeded');
    },
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(StartError);
  expect((outcome as StartError).code).toBe('PLATFORM_START_EXITED');
  return outcome as StartError;
}

test('a Consul agent whose HTTP port is taken fails its start at once, with its own error line', async () => {
  const taken = await takenPort();
  const stateDir = join(root, 'consul');
  const security = ensureLocalSecurity(join(stateDir, 'secrets'), 'local', platformBin('consul'));
  const ports = { http: taken.port, server: await freePort(), serfLan: await freePort(), dns: -1 };
  const err = await exitError(startConsulAgent({ stateDir, ports, security, startTimeoutMs: NEVER }));
  taken.server.close();
  expect(err.message).toContain(`consul at 127.0.0.1:${taken.port} exited during start`);
  expect(err.message).toContain('address already in use');
});

test('an OpenSearch node whose HTTP port is taken fails its start at once, with its own error line', async () => {
  const taken = await takenPort();
  const start = startOpenSearchNode({ stateDir: join(root, 'opensearch'), httpPort: taken.port, transportPort: await freePort(), heap: '256m', startTimeoutMs: NEVER });
  const err = await exitError(start);
  taken.server.close();
  expect(err.message).toContain('OpenSearch failed to start');
  expect(err.message).toMatch(/BindHttpException|Failed to bind/);
});

test('a Kafka broker whose listener port is taken fails its start at once, with its own error line', async () => {
  const taken = await takenPort();
  const err = await exitError(startKafkaBroker({ stateDir: join(root, 'kafka'), port: taken.port, controllerPort: await freePort(), heapMb: 256, startTimeoutMs: NEVER }));
  taken.server.close();
  expect(err.message).toContain(`kafka at 127.0.0.1:${taken.port} exited during start`);
  expect(err.message).toMatch(/Address already in use/i);
});

test('a Filebeat given a config it refuses fails its start at once, with its own "Exiting:" line', async () => {
  const configFile = join(root, 'filebeat-bad.yml');
  writeFileSync(configFile, 'filebeat.inputs: []\noutput.nowhere:\n  hosts: ["127.0.0.1:1"]\n');
  const start = startFilebeat({ stateDir: join(root, 'filebeat'), logDir: join(root, 'logs'), storeUrl: 'http://127.0.0.1:1', httpPort: await freePort(), configFile, startTimeoutMs: NEVER });
  const err = await exitError(start);
  expect(err.message).toContain('filebeat exited during start');
  expect(err.message).toMatch(/Exiting: .*nowhere/);
});
