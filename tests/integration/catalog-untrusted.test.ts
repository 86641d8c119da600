import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretFile, sleep, waitFor } from '@platform/process-runner';
import { syncScrapeTargets } from '@platform/monitoring';
import { describeServerState, serversState } from '@platform/haproxy/dist/runtime-api';
import type { RejectedEntry } from '@platform/service-kit';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { deregisterService, registerService, setMaintenance, type TestRegistration } from '../harness/registrations';

let consul: TestConsul;
let lb: TestLb;
let targets: { stop(): void };
const targetsFile = join(mkdtempSync(join(tmpdir(), 'targets-')), 'consul.json');
const rejectedTargets: RejectedEntry[] = [];

/** What every well-formed registration of this file points at: HAProxy's checks find it up. */
let upstream: Server;
let port: number;
let good: TestRegistration;

/** Entries that would inject into haproxy.cfg, a Runtime API command, a target or a log line. */
const hostile: TestRegistration[] = [
  { id: 'evil-newline', name: 'evil\nbackend x\n  server y 127.0.0.1:22', port: 41002, meta: { protocol: 'http' } },
  { id: 'evil-pipes', name: 'a||b', port: 41003, meta: { protocol: 'http' } },
  { id: 'evil-spaces', name: 'my service', port: 41004, meta: { protocol: 'http' } },
  { id: 'evil-semicolon', name: 'good', address: '127.0.0.1; shutdown sessions server svc_good/s1', port: 41005, meta: { protocol: 'http' } },
  { id: 'evil-not-an-address', name: 'hostile-address', address: 'not an ip!', port: 41006, meta: { protocol: 'http', 'metrics-port': '41006' } },
  { id: 'evil-port-0', name: 'hostile-port', port: 0, meta: { protocol: 'http' } },
  { id: 'evil-port-70000', name: 'hostile-port', port: 70000, meta: { protocol: 'http' } },
  { id: 'evil-meta', name: 'hostile-meta', port: 41007, meta: { protocol: 'http', 'metrics-path': '/metrics\n- targets: [x]' } },
];

const ignoredWarnings = (): { instanceId: string; reason: string }[] =>
  readFileSync(lb.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('catalog entry ignored'))
    .map((line) => JSON.parse(line) as { instanceId: string; reason: string });

const serverView = async (): Promise<string[]> => (await serversState(lb.adminSocket)).map((s) => `${s.backend}/${s.server} ${s.address}:${s.port} ${describeServerState(s)}`).sort();
const goodState = async (): Promise<string | undefined> => {
  const server = (await serversState(lb.adminSocket, 'svc_good')).find((s) => s.port === good.port);
  return server && describeServerState(server);
};

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  port = (upstream.address() as AddressInfo).port;
  good = { id: 'good-1', name: 'good', address: '127.0.0.1', port, meta: { protocol: 'http', 'metrics-port': String(port) } };
  consul = await startTestConsul();
  lb = await startTestLb(consul.httpAddr, 'internal');
  const consulToken = readSecretFile(await consul.tokenFile('monitoring'), 'the monitoring token');
  targets = syncScrapeTargets({ consulAddr: consul.httpAddr, consulToken, file: targetsFile, onRejected: (entry) => rejectedTargets.push(entry) });
});

afterAll(async () => {
  targets.stop();
  await lb.stop();
  await consul.stop();
  upstream.close();
});

test('hostile registrations are never rendered: HAProxy config, servers and Prometheus targets unchanged, one warning per entry', async () => {
  await registerService(consul.httpAddr, good);
  await waitFor(async () => (await goodState()) === 'up', { timeoutMs: 10_000, what: 'the good instance to be routed' });
  await waitFor(() => readFileSync(targetsFile, 'utf8').includes('good-1'), { timeoutMs: 5_000, what: 'the good instance to be a target' });
  const config = readFileSync(join(lb.adminSocket, '..', 'haproxy.cfg'), 'utf8');
  const servers = await serverView();
  const targetFile = readFileSync(targetsFile, 'utf8');

  for (const registration of hostile) await registerService(consul.httpAddr, registration);
  await waitFor(() => ignoredWarnings().length >= hostile.length && rejectedTargets.length >= hostile.length, { timeoutMs: 10_000, what: 'a warning for each hostile entry' });
  // A runtime change after them: the controller still follows Consul, and has seen them all.
  await setMaintenance(consul.httpAddr, good.id, true);
  await waitFor(async () => (await goodState()) === 'drain', { timeoutMs: 5_000, what: 'the maintenance flip to reach HAProxy' });
  await setMaintenance(consul.httpAddr, good.id, false);
  await waitFor(async () => (await goodState()) === 'up', { timeoutMs: 5_000, what: 'the flip back to reach HAProxy' });
  // A re-registration that changes only meta: found by the registrations read, and not warned of twice.
  await registerService(consul.httpAddr, { ...hostile[7]!, meta: { protocol: 'http', 'metrics-path': '/x\ny' } });
  await waitFor(() => readFileSync(targetsFile, 'utf8') === targetFile, { timeoutMs: 5_000, what: 'the targets file to be as before' });
  await sleep(1_000);

  expect(readFileSync(join(lb.adminSocket, '..', 'haproxy.cfg'), 'utf8')).toBe(config);
  expect(await serverView()).toEqual(servers);
  expect(readFileSync(targetsFile, 'utf8')).toBe(targetFile);
  const warnings = ignoredWarnings();
  expect(warnings.map((w) => w.instanceId).sort()).toEqual(hostile.map((h) => JSON.stringify(h.id)).sort());
  expect(warnings.every((w) => w.reason.length > 0)).toBe(true);
  expect(rejectedTargets.map((r) => r.instanceId).sort()).toEqual(hostile.map((h) => h.id).sort());
  expect(readFileSync(lb.logFile, 'utf8')).not.toMatch(/applying a Consul change to HAProxy failed|haproxy refused/);
  for (const registration of hostile) await deregisterService(consul.httpAddr, registration.id);
});

/**
 * `haproxy` on the controller's PATH: the real one, except that its configuration check refuses
 * any configuration with a backend named svc_poison, as HAProxy would a config it cannot parse.
 * Every refusal is counted in a file beside it.
 */
function refusingHaproxy(): { dir: string; refusals: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-shim-'));
  const count = join(dir, 'refusals');
  writeFileSync(count, '');
  writeFileSync(
    join(dir, 'haproxy'),
    [
      '#!/bin/sh',
      'for last in "$@"; do :; done',
      `if [ "$1" = "-c" ] && grep -q "^backend svc_poison" "$last"; then echo refused >> '${count}'; echo '[ALERT]    (1) : config : backend svc_poison: refused by the test' >&2; exit 1; fi`,
      `exec ${'/usr/sbin/haproxy'} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'haproxy'), 0o755);
  return { dir, refusals: () => readFileSync(count, 'utf8').split('\n').filter(Boolean).length };
}

test('a configuration HAProxy refuses is logged once with its reason, runtime changes go on, and the offending entry leaving clears it', async () => {
  const shim = refusingHaproxy();
  const refusing = await startTestLb(consul.httpAddr, 'internal', { PATH: `${shim.dir}:${process.env.PATH ?? ''}` });
  try {
    const stateOf = async (backend: string, port: number) => {
      const server = (await serversState(refusing.adminSocket, backend)).find((s) => s.port === port);
      return server && describeServerState(server);
    };
    await waitFor(async () => (await stateOf('svc_good', good.port)) === 'up', { timeoutMs: 10_000, what: 'the good instance to be routed' });
    await registerService(consul.httpAddr, { id: 'poison-1', name: 'poison', address: '127.0.0.1', port, meta: { protocol: 'http' } });
    await waitFor(() => shim.refusals() >= 1, { timeoutMs: 10_000, what: 'HAProxy to refuse the config' });

    // Runtime changes still reach the backends HAProxy has.
    await setMaintenance(consul.httpAddr, good.id, true);
    await waitFor(async () => (await stateOf('svc_good', good.port)) === 'drain', { timeoutMs: 5_000, what: 'a runtime change while the config is refused' });
    await setMaintenance(consul.httpAddr, good.id, false);
    await waitFor(async () => (await stateOf('svc_good', good.port)) === 'up', { timeoutMs: 5_000, what: 'the flip back' });
    await sleep(3_000);
    expect(shim.refusals()).toBe(1);
    const refusedLines = readFileSync(refusing.logFile, 'utf8').split('\n').filter((l) => l.includes('haproxy refused the configuration'));
    expect(refusedLines).toHaveLength(1);
    expect(refusedLines[0]).toContain('backend svc_poison: refused by the test');

    // The offending entry leaves, another service arrives: the next structure is tried and taken.
    await deregisterService(consul.httpAddr, 'poison-1');
    await registerService(consul.httpAddr, { id: 'after-1', name: 'after', address: '127.0.0.1', port, meta: { protocol: 'http' } });
    await waitFor(async () => (await stateOf('svc_after', port)) === 'up', { timeoutMs: 10_000, what: 'a new service to be routed once the poison left' });
    expect(shim.refusals()).toBe(1);
  } finally {
    await refusing.stop();
  }
});
