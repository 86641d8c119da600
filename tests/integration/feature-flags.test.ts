import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLAGS_WRITER_TOKEN, READER_TOKEN } from '@platform/consul';
import { writeSecretFile } from '@platform/process-runner';
import { inRollout } from '@platform/service-kit';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { platformCli, platformTestEnv } from '../harness/platform-cli';
import { startFixture, type ServiceProcess } from '../harness/service-process';

/**
 * Feature flags end to end: a real Consul with ACLs, two running instances of a kit service, and
 * the `platform flags` CLI writing with its flags-writer token. Instances are asked directly (the
 * edge's only part is setting X-Client-Id, which the test sets itself).
 */
let consul: TestConsul;
const instances: ServiceProcess[] = [];
let cliEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  consul = await startTestConsul();
  instances.push(...(await Promise.all(['a', 'b'].map((label) => startFixture(consul.httpAddr, 'flagged', label)))));
  // The CLI finds the agent by CONSUL_HTTP_PORT, and its tokens where `platform up` keeps them:
  // flags-writer to set, reader to read.
  const { env, stateDir } = await platformTestEnv({ CONSUL_HTTP_PORT: String(consul.ports.http) });
  mkdirSync(join(stateDir, 'consul', 'secrets', 'tokens'), { recursive: true });
  for (const name of [FLAGS_WRITER_TOKEN, READER_TOKEN]) {
    writeSecretFile(join(stateDir, 'consul', 'secrets', 'tokens', name), readFileSync(await consul.tokenFile(name), 'utf8'));
  }
  cliEnv = env;
}, 60_000);

afterAll(async () => {
  await Promise.all(instances.map((p) => p.child.stop(2_000)));
  await consul?.stop();
});

async function flagOn(proc: ServiceProcess, flag: string, clientId?: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${proc.port}/flag/${flag}`, { headers: clientId ? { 'x-client-id': clientId } : {} });
  expect(res.status).toBe(200);
  return ((await res.json()) as { enabled: boolean }).enabled;
}

/** Milliseconds until `proc` answers `want` for `flag`, asking every 5 ms; undefined if not within 5 s. */
async function observed(proc: ServiceProcess, flag: string, want: boolean, since: number): Promise<number | undefined> {
  while (Date.now() - since < 5_000) {
    if ((await flagOn(proc, flag)) === want) return Date.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return undefined;
}

/** The instance's log lines with this message, parsed. */
const logged = (proc: ServiceProcess, message: string): Record<string, unknown>[] =>
  proc
    .output()
    .split('\n')
    .filter((line) => line.includes(`"message":"${message}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function kvPut(key: string, body: string, token: string): Promise<number> {
  return (await fetch(`http://${consul.httpAddr}/v1/kv/${key}`, { method: 'PUT', body, headers: { 'X-Consul-Token': token } })).status;
}

test('a flag change is seen by every running instance within 1 s, and each logs it with the Consul index', async () => {
  expect(await flagOn(instances[0]!, 'new-checkout')).toBe(false);
  const times: number[] = [];
  for (const [round, on] of [true, false, true].entries()) {
    const started = Date.now();
    expect(await kvPut('platform/flags/new-checkout', JSON.stringify({ type: 'boolean', on }), consul.managementToken)).toBe(200);
    const seen = await Promise.all(instances.map((proc) => observed(proc, 'new-checkout', on, started)));
    expect(seen.every((ms) => ms !== undefined)).toBe(true);
    times.push(...(seen as number[]));
    process.stdout.write(`flag change ${round + 1} (${on ? 'on' : 'off'}) seen by instances a, b after ${seen.join(' ms, ')} ms\n`);
  }
  expect(Math.max(...times)).toBeLessThan(1_000);
  const index = ((await (await fetch(`http://${consul.httpAddr}/v1/kv/platform/flags/new-checkout`, { headers: { 'X-Consul-Token': consul.managementToken } })).json()) as { ModifyIndex: number }[])[0]!.ModifyIndex;
  for (const proc of instances) {
    expect(logged(proc, 'feature flag changed').map((l) => [l.flag, l.from, l.to])).toEqual([
      ['new-checkout', 'none', 'on'],
      ['new-checkout', 'on', 'off'],
      ['new-checkout', 'off', 'on'],
    ]);
    expect(logged(proc, 'feature flag changed').at(-1)?.['consul.index']).toBe(String(index));
  }
});

test('platform flags set 30%: every instance gives each client id the answer of the stable hash, about 30 % on', async () => {
  expect(platformCli(cliEnv, 'flags', 'set', 'pricing-v2', '30%')).toEqual({ code: 0, out: expect.stringContaining('pricing-v2: 30% (was not set)') });
  await Promise.all(instances.map((proc) => observed(proc, 'pricing-v2', inRollout('pricing-v2', 'client-0', 30), Date.now())));
  const ids = Array.from({ length: 200 }, (_, i) => `client-${i}`);
  const answers = await Promise.all(instances.map((proc) => Promise.all(ids.map((id) => flagOn(proc, 'pricing-v2', id)))));
  const expected = ids.map((id) => inRollout('pricing-v2', id, 30));
  expect(answers[0]).toEqual(expected);
  expect(answers[1]).toEqual(expected);
  const share = expected.filter(Boolean).length / ids.length;
  expect(share).toBeGreaterThan(0.2);
  expect(share).toBeLessThan(0.4);
  expect(JSON.parse(platformCli(cliEnv, 'flags', 'get', 'pricing-v2', '--json').out)).toEqual({ name: 'pricing-v2', value: { type: 'percentage', percent: 30 }, shown: '30%', problem: null });
});

test('a bad record written by hand is refused by every instance, which keeps the last good value, and flags list names it invalid', async () => {
  expect(platformCli(cliEnv, 'flags', 'set', 'dark-mode', 'on').code).toBe(0);
  await Promise.all(instances.map((proc) => observed(proc, 'dark-mode', true, Date.now())));
  expect(await kvPut('platform/flags/dark-mode', '{"type":"boolean","on":"yes please"}', consul.managementToken)).toBe(200);
  // The record is committed; the instances apply the next good write, proving they saw this one pass by.
  expect(await kvPut('platform/flags/other', JSON.stringify({ type: 'boolean', on: true }), consul.managementToken)).toBe(200);
  await Promise.all(instances.map((proc) => observed(proc, 'other', true, Date.now())));
  for (const proc of instances) {
    expect(await flagOn(proc, 'dark-mode')).toBe(true);
    expect(logged(proc, 'feature flag record rejected; the last good value stays')).toEqual([expect.objectContaining({ flag: 'dark-mode', kept: 'on', reason: expect.stringContaining('"on"') })]);
  }
  const listed = JSON.parse(platformCli(cliEnv, 'flags', 'list', '--json').out) as { flags: { name: string; shown: string; problem?: string }[] };
  expect(listed.flags.find((f) => f.name === 'dark-mode')).toEqual(expect.objectContaining({ shown: 'invalid', problem: expect.stringContaining('"on"') }));
  expect(listed.flags.find((f) => f.name === 'other')).toEqual(expect.objectContaining({ shown: 'on' }));
});

test('bad names and values are usage errors (exit 2) and write nothing; a service token may read the flags but not write them', async () => {
  for (const args of [['Bad_Name', 'on'], ['new-checkout', '150%'], ['new-checkout', 'maybe'], ['new-checkout']]) {
    const run = platformCli(cliEnv, 'flags', 'set', ...args);
    expect({ args, code: run.code }).toEqual({ args, code: 2 });
    expect(run.out).toContain('PLATFORM_USAGE');
  }
  expect(JSON.parse(platformCli(cliEnv, 'flags', 'get', 'new-checkout', '--json').out)).toEqual(expect.objectContaining({ shown: 'on' }));
  const serviceToken = (await import('node:fs')).readFileSync(await consul.tokenFile('service-flagged'), 'utf8').trim();
  expect(await kvPut('platform/flags/new-checkout', JSON.stringify({ type: 'boolean', on: false }), serviceToken)).toBe(403);
  expect((await fetch(`http://${consul.httpAddr}/v1/kv/platform/flags/?recurse=true`, { headers: { 'X-Consul-Token': serviceToken } })).status).toBe(200);
});

test('an instance started after the flags were set answers them from its first request', async () => {
  const late = await startFixture(consul.httpAddr, 'flagged', 'c');
  instances.push(late);
  expect(await flagOn(late, 'new-checkout')).toBe(true);
  expect(logged(late, 'feature flag changed').map((l) => l.flag).sort()).toEqual(['new-checkout', 'other', 'pricing-v2']);
  expect(logged(late, 'feature flag record rejected; the last good value stays')).toEqual([expect.objectContaining({ flag: 'dark-mode', kept: 'none' })]);
});
