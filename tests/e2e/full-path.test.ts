import { sleep, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startGateway, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import { LOAD_TEST_EDGE, startTestLb, type TestLb } from '../harness/load-balancer';
import { startLoad } from '../harness/load';
import { entryPoints, startRegisteredService, type ServiceProcess } from '../harness/service-process';

/** client → edge HAProxy (the gateway's data path, fed by the gateway) → service, every part real. */
let consul: TestConsul;
let internal: TestLb;
let edge: TestLb;
let secrets: GatewaySecrets;
const gateways: RunningGateway[] = [];
const services: ServiceProcess[] = [];
let apiKey: string;

const startWho = async (label: string): Promise<ServiceProcess> => {
  const proc = await startRegisteredService(entryPoints.slow, 'whoami', consul.httpAddr, {
    INSTANCE_ID: `who-${label}`,
    FIXTURE_SERVICE_NAME: 'whoami',
    FIXTURE_LABEL: label,
    FIXTURE_GATEWAY_PREFIX: '/whoami',
    DRAIN_MS: '200',
  });
  services.push(proc);
  return proc;
};

const viaEdge = (headers: Record<string, string> = {}) => httpRequest(edge.addr, '/whoami', { headers: { 'x-api-key': apiKey, ...headers } });

beforeAll(async () => {
  consul = await startTestConsul();
  internal = await startTestLb(consul.httpAddr, 'internal');
  secrets = writeGatewaySecrets(['full-path-client'], { 'full-path-client': 1_000_000 });
  apiKey = secrets.keys['full-path-client'] as string;
  gateways.push(await startGateway(consul.httpAddr, internal.addr, secrets, { INSTANCE_ID: 'gateway-0', DRAIN_MS: '200' }, LOAD_TEST_EDGE));
  edge = gateways[0]!.edge;
  await startWho('1');
  await startWho('2');
  await waitFor(async () => (await viaEdge()).status === 200, { timeoutMs: 10_000, what: 'the full path to answer' });
});

afterAll(async () => {
  await Promise.all([...services.map((p) => p.child.stop(5_000)), ...gateways.map((g) => g.stop())]);
  await internal.stop();
  await consul.stop();
});

test('a request through the edge reaches a service with its request id kept on every hop', async () => {
  const res = await viaEdge({ 'x-request-id': 'full-path-request-0001' });
  expect(res.status).toBe(200);
  expect(res.headers['x-request-id']).toBe('full-path-request-0001');
  expect(['who-1', 'who-2']).toContain((JSON.parse(res.body) as { instance: string }).instance);
  expect((await httpRequest(edge.addr, '/whoami')).status).toBe(401);
});

test('kill -9 of the gateway (the control plane) under load through the edge: zero failed requests', async () => {
  const load = startLoad({ addr: edge.addr, path: '/whoami', host: 'edge', headers: { 'x-api-key': apiKey }, concurrency: 6 });
  await sleep(700);
  gateways[0]!.proc.child.signal('SIGKILL');
  await sleep(2_000);
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(100);
});

test('rolling restart of a service under load through the full path: zero failed requests', async () => {
  const old = [...services];
  const load = startLoad({ addr: edge.addr, path: '/whoami', host: 'edge', headers: { 'x-api-key': apiKey }, concurrency: 6 });
  for (const [i, proc] of old.entries()) {
    await startWho(`new-${i + 1}`);
    proc.child.signal('SIGTERM');
    expect((await proc.child.exited).code).toBe(0);
  }
  await sleep(500);
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect(result.byInstance.get('who-new-1')).toBeGreaterThan(0);
  expect(result.byInstance.get('who-new-2')).toBeGreaterThan(0);
});

test('kill -9 of a service instance under GET load through the edge: zero failed requests', async () => {
  const [victim] = services.filter((p) => p.child.isRunning()).slice(-2);
  const load = startLoad({ addr: edge.addr, path: '/whoami', host: 'edge', headers: { 'x-api-key': apiKey }, concurrency: 6 });
  await sleep(700);
  victim!.child.signal('SIGKILL');
  await sleep(2_000);
  const result = await load.stop();
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(100);
});
