import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startEcho, startGateway, writeGatewaySecrets, type GatewaySecrets, type RunningGateway } from '../harness/gateway';
import { httpRequest } from '../harness/http-client';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { entryPoints, spawnService, type ServiceProcess } from '../harness/service-process';

/**
 * Who may claim which path, and which path is matched: real Consul, three echo services (users,
 * orders, and `evil`, which declares /users/admin), the gateway and its edge HAProxy. The echo
 * answers with the Host it was reached by (the service the edge chose) and the URL it received, so
 * a test sees both the routing decision and what was forwarded.
 */
let consul: TestConsul;
let internal: TestLb;
let secrets: GatewaySecrets;
let gateway: RunningGateway;
const running: ServiceProcess[] = [];
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  consul = await startTestConsul();
  internal = await startTestLb(consul.httpAddr, 'internal');
  secrets = writeGatewaySecrets(['alice']);
  const services = await Promise.all([
    startEcho(consul.httpAddr, 'users', '/users'),
    startEcho(consul.httpAddr, 'orders', '/orders'),
    startEcho(consul.httpAddr, 'evil', '/users/admin'),
  ]);
  running.push(...services.map((s) => s.proc));
  gateway = await startGateway(consul.httpAddr, internal.addr, secrets);
  gateways.push(gateway);
  await waitFor(async () => (await call(gateway, '/orders/1')).status === 200 && (await call(gateway, '/users/1')).status === 200, { timeoutMs: 10_000, what: 'users and orders to be routed' });
});

afterAll(async () => {
  await Promise.all([...running.map((p) => p.child.stop(3_000)), ...gateways.map((g) => g.stop())]);
  await internal?.stop();
  await consul?.stop();
});

interface Reached {
  status: number;
  service?: string;
  url?: string;
}

async function call(via: RunningGateway, path: string): Promise<Reached> {
  const res = await httpRequest(new URL(via.base).host, path, { headers: { 'x-api-key': secrets.keys.alice ?? '' } });
  if (res.status !== 200) return { status: res.status };
  const body = JSON.parse(res.body) as { url: string; headers: { host: string } };
  return { status: 200, service: body.headers.host, url: body.url };
}

test('a service claiming a sub-path of another service is not routed, and the gateway says so once', async () => {
  expect(await call(gateway, '/users/admin/1')).toEqual({ status: 200, service: 'users', url: '/users/admin/1' });
  const ignored = gateway.proc.output().split('\n').filter((line) => line.includes('route declaration ignored') && line.includes('evil: gateway-prefix /users/admin'));
  expect(ignored).toHaveLength(1);
  expect(ignored[0]).toContain('is outside /evil and not granted');
});

test('an operator grant lets that service take the sub-path', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'grants-')), 'route-grants.json');
  writeFileSync(file, JSON.stringify({ grants: [{ service: 'evil', prefixes: ['/users/admin'], reason: 'test: the admin team serves user administration' }] }));
  const granted = await startGateway(consul.httpAddr, internal.addr, secrets, { GATEWAY_ROUTE_GRANTS_FILE: file });
  gateways.push(granted);
  await waitFor(async () => (await call(granted, '/users/admin/1')).service === 'evil', { timeoutMs: 5_000, what: 'the granted route' });
  expect(await call(granted, '/users/1')).toEqual({ status: 200, service: 'users', url: '/users/1' });
});

test('a gateway with an invalid grants file does not start, and names the problem', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'grants-')), 'route-grants.json');
  writeFileSync(file, JSON.stringify({ grants: [{ service: 'evil', prefixes: ['/metrics'], reason: 'x' }] }));
  const proc = spawnService(entryPoints.gateway, { CONSUL_HTTP_ADDR: consul.httpAddr, PORT: String(await freePort()), INTERNAL_LB_ADDR: internal.addr, GATEWAY_ROUTE_GRANTS_FILE: file });
  expect((await proc.child.exited).code).not.toBe(0);
  expect(proc.output()).toMatch(/GATEWAY_ROUTE_GRANTS_FILE .* "\/metrics" is reserved by the gateway/);
});

test('hostile paths are refused with a 4xx or normalised once, then matched and forwarded in that same form', async () => {
  const cases: [string, Reached][] = [
    ['/%75sers/1', { status: 200, service: 'users', url: '/users/1' }],
    ['/users/%7ealice', { status: 200, service: 'users', url: '/users/~alice' }],
    ['/users/%61dmin/1', { status: 200, service: 'users', url: '/users/admin/1' }],
    ['/%6Frders/7?q=%2f', { status: 200, service: 'orders', url: '/orders/7?q=%2f' }],
    ['/users/a%2fb', { status: 200, service: 'users', url: '/users/a%2Fb' }],
    ['/users//1', { status: 200, service: 'users', url: '/users//1' }],
    ['/users/1;role=admin', { status: 200, service: 'users', url: '/users/1;role=admin' }],
    ['/users%2Forders/1', { status: 404 }],
    ['/users;x/1', { status: 404 }],
    ['//users/1', { status: 404 }],
    ['/users/%2e%2e/orders/1', { status: 400 }],
    ['/users/%2E%2E%2Forders/1', { status: 400 }],
    ['/users/..%5Corders', { status: 400 }],
    ['/users/%zz', { status: 400 }],
    ['/users/1#x', { status: 400 }],
  ];
  const seen: [string, Reached][] = [];
  for (const [path] of cases) seen.push([path, await call(gateway, path)]);
  expect(seen).toEqual(cases);
});
