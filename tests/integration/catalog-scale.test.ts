import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { platformBin, sleep, waitFor } from '@platform/process-runner';
import { describeServerState, serversState } from '@platform/haproxy/dist/runtime-api';
import { connectionsTo } from '../harness/connections';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { registerAll, registerService, type TestRegistration } from '../harness/registrations';

/**
 * The catalog at scale, on a real Consul: every watcher process (the three controllers here)
 * holds the same few connections to the agent with 10 services as with 300, and the agent still
 * answers its CLI and takes registrations while all of them follow a burst of new services.
 */
let consul: TestConsul;
let upstream: Server;
let port: number;
const lbs: TestLb[] = [];

const registration = (i: number): TestRegistration => ({ id: `scale-${i}-a`, name: `scale-${String(i).padStart(4, '0')}`, address: '127.0.0.1', port, meta: { protocol: 'http' } });

/** Backends of the internal load balancer whose server points at the upstream and is up. */
const routedBackends = async (lb: TestLb): Promise<number> =>
  new Set((await serversState(lb.adminSocket)).filter((s) => s.backend.startsWith('svc_scale-') && s.port === port && describeServerState(s) === 'up').map((s) => s.backend)).size;

/** The most connections each controller held to Consul over a few samples. */
async function connectionsHeld(): Promise<number[]> {
  const held = lbs.map(() => 0);
  for (let sample = 0; sample < 5; sample += 1) {
    lbs.forEach((lb, i) => (held[i] = Math.max(held[i] ?? 0, connectionsTo(lb.child.pid, consul.ports.http))));
    await sleep(200);
  }
  return held;
}

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  port = (upstream.address() as AddressInfo).port;
  consul = await startTestConsul();
  for (const role of ['internal', 'edge', 'db'] as const) lbs.push(await startTestLb(consul.httpAddr, role));
});

afterAll(async () => {
  await Promise.all(lbs.map((lb) => lb.stop()));
  await consul.stop();
  upstream.close();
});

test('each watcher process holds at most 4 Consul connections (5 with the rollout records the edge and internal controllers follow) with 10 services and with 300, and the CLI and registrations still work during the burst', async () => {
  const internal = lbs[0] as TestLb;
  await registerAll(consul.httpAddr, Array.from({ length: 10 }, (_, i) => registration(i)));
  await waitFor(async () => (await routedBackends(internal)) === 10, { timeoutMs: 10_000, what: '10 services routed' });
  const atTen = await connectionsHeld();
  const reloadsBefore = readFileSync(internal.logFile, 'utf8').split('haproxy reloaded').length;

  const burst = registerAll(consul.httpAddr, Array.from({ length: 290 }, (_, i) => registration(i + 10)));
  // While every watcher follows the burst: the operator's CLI and an instance's own registration.
  await sleep(300);
  // The operator's token by file, as an operator's shell would hand it over (never on the command line).
  const cli = await promisify(execFile)(platformBin('consul'), ['catalog', 'services', `-http-addr=${consul.httpAddr}`], {
    env: { ...process.env, CONSUL_HTTP_TOKEN_FILE: consul.security.managementTokenFile },
  });
  expect(cli.stdout).toContain('scale-0000');
  await registerService(consul.httpAddr, { id: 'bystander-1', name: 'bystander', address: '127.0.0.1', port, meta: { protocol: 'http' } });
  await burst;
  await waitFor(async () => (await routedBackends(internal)) === 300, { timeoutMs: 40_000, intervalMs: 250, what: '300 services routed' });
  const atThreeHundred = await connectionsHeld();

  process.stdout.write(`consul connections held per controller (internal, edge, db): ${atTen.join(', ')} at 10 services, ${atThreeHundred.join(', ')} at 300\n`);
  // internal, edge, db: the catalog watcher's three and the kit client's one; the first two also block
  // on platform/rollouts/, and a request of their split may be open beside that long poll at a moment.
  // None grows with the number of services.
  const bounds = [6, 6, 4];
  for (const held of [atTen, atThreeHundred]) {
    held.forEach((count, i) => {
      expect(count).toBeGreaterThanOrEqual(2);
      expect(count).toBeLessThanOrEqual(bounds[i] ?? 4);
    });
  }
  // A burst of new services shares reloads (at most one a second), not one each.
  const reloads = readFileSync(internal.logFile, 'utf8').split('haproxy reloaded').length - reloadsBefore;
  expect(reloads).toBeLessThan(30);
  for (const lb of lbs) expect(readFileSync(lb.logFile, 'utf8')).not.toMatch(/consul refused|consul unreachable/);
}, 120_000);
