import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { waitFor } from '@platform/process-runner';
import { startBrowser, testOutputDir, waitReporting, type TestBrowser } from '../harness/browser';
import { rememberOperatorToken } from '../harness/consul-queries';
import { loggingFixtureEntry } from '../harness/logging';
import { CHECKOUT_TURN_WAIT_MS, platformCli, platformTestEnv, takeCheckoutTurn } from '../harness/platform-cli';
import { startRegisteredService, type ServiceProcess } from '../harness/service-process';

/**
 * The ops console as an operator meets it: `platform console` names the page, headless Chromium
 * loads it from a platform started with `platform up`, and the page follows the platform by
 * itself (no reload): an instance killed -9 turns down, a failing request becomes an error group.
 * Screenshots go to test-output/console/.
 */
let env: NodeJS.ProcessEnv;
let stateDir: string;
let releaseTurn: (() => void) | undefined;
let browser: TestBrowser;
let page: Page;
let problems: string[];
let url: string;
let fixture: ServiceProcess | undefined;
const output = testOutputDir('console');

interface StateFile {
  instances: { id: string; pid: number | null; state: string }[];
  env: Record<string, string>;
}
const stateFile = (): StateFile => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as StateFile;

/** What the page shows now: each instance row's status, by instance id. */
const shownInstances = (): Promise<Record<string, string>> =>
  page.$$eval('tr[data-instance]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-instance') ?? '', r.getAttribute('data-status') ?? ''])));

beforeAll(async () => {
  // The browser first: without chromium the file stops before any process was started.
  browser = await startBrowser();
  releaseTurn = await takeCheckoutTurn();
  // One replica (a leader and its synchronous standby) and short drains: the smallest platform that has every panel.
  ({ env, stateDir } = await platformTestEnv({ PROMETHEUS_SCRAPE_INTERVAL_S: '1', POSTGRES_REPLICAS: '1', DRAIN_MS: '500' }));
  const started = Date.now();
  const up = platformCli(env, 'up', '--instances', '1', '--skip-install');
  if (up.code !== 0) throw new Error(`platform up failed:\n${up.out}`);
  process.stdout.write(`console: platform up took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const printed = platformCli(env, 'console');
  expect(printed.code).toBe(0);
  url = printed.out.trim();
  ({ page, problems } = await browser.newPage());
  await page.setViewport({ width: 1400, height: 1000 });
}, CHECKOUT_TURN_WAIT_MS + 150_000);

afterAll(async () => {
  await fixture?.child.stop(5_000);
  await browser?.close();
  const started = Date.now();
  if (env) platformCli(env, 'down');
  process.stdout.write(`console: platform down took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  releaseTurn?.();
});

test('platform console prints the loopback address with its token; without the token, or by another host name, nothing is shown', async () => {
  expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${env.CONSOLE_PORT}/[A-Za-z0-9_-]{24}/$`));
  expect(JSON.parse(platformCli(env, 'console', '--json').out)).toEqual({ url });
  const bare = await fetch(`http://127.0.0.1:${env.CONSOLE_PORT}/`);
  expect(bare.status).toBe(404);
  expect(await bare.text()).not.toContain(url.split('/')[3]);
  expect((await fetch(`http://127.0.0.1:${env.CONSOLE_PORT}/${'x'.repeat(24)}/snapshot.json`)).status).toBe(404);
  // A page on another origin that resolves its own name to 127.0.0.1 (DNS rebinding) sends its own Host.
  const rebound = await import('node:http').then(
    (http) => new Promise<number>((resolve, reject) => http.get(`${url}snapshot.json`, { headers: { host: `evil.example:${env.CONSOLE_PORT}` } }, (res) => resolve(res.statusCode ?? 0)).on('error', reject)),
  );
  expect(rebound).toBe(421);
  const page = await fetch(url);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect((await fetch(url, { method: 'POST' })).status).toBe(405);
});

test('the page lists every instance the supervisor runs, each up with its version, and every panel has its data', async () => {
  await page.goto(url, { waitUntil: 'load' });
  const running = stateFile().instances.filter((i) => i.state === 'running').map((i) => i.id);
  expect(running).toEqual(expect.arrayContaining(['users-node-1-1', 'orders-node-1-1', 'gateway-node-1-1']));
  await waitReporting(
    problems,
    page.waitForFunction((ids: string[]) => ids.every((id) => document.querySelector(`tr[data-instance="${id}"]`)?.getAttribute('data-status') === 'up'), { timeout: 20_000 }, running),
  );
  await page.waitForFunction(() => document.getElementById('live')?.dataset.live === 'live', { timeout: 5_000 });
  const shown = await shownInstances();
  for (const id of running) expect(shown[id]).toBe('up');
  const usersRow = await page.$eval('tr[data-instance="users-node-1-1"]', (r) => r.textContent ?? '');
  expect(usersRow).toMatch(/users.*users-node-1-1.*up.*passing.*\d+\.\d+\.\d+/);
  // The load balancers route to it, and the database has its leader and replicas.
  await page.waitForSelector('#load-balancers tr[data-lb-server="users-node-1-1"]');
  expect(await page.$$eval('#database tr[data-member]', (rows) => rows.map((r) => r.textContent ?? ''))).toEqual([expect.stringMatching(/^pg-0leader/), expect.stringMatching(/^pg-1sync_standby/)]);
  expect(await page.$$('section .unavailable')).toHaveLength(0);
  await page.screenshot({ path: join(output, 'console-running.png'), fullPage: true });
  expect(problems).toEqual([]);
});

test('an instance killed -9 is shown down within 5 s without a reload, then up again after its restart', async () => {
  await page.evaluate(() => Object.assign(window, { sameDocument: true }));
  const victim = stateFile().instances.find((i) => i.id === 'orders-node-1-1');
  const killedAt = Date.now();
  process.kill(victim!.pid!, 'SIGKILL');
  // Polling on every change of the page: a state shown only briefly still counts as shown.
  await page.waitForFunction(() => document.querySelector('tr[data-instance="orders-node-1-1"]')?.getAttribute('data-status') === 'down', { timeout: 5_000, polling: 'mutation' });
  const shownAfterMs = Date.now() - killedAt;
  await page.screenshot({ path: join(output, 'console-instance-down.png'), fullPage: true });
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  process.stdout.write(`console: killed instance shown down after ${shownAfterMs} ms\n`);
  await page.waitForFunction(() => document.querySelector('tr[data-instance="orders-node-1-1"]')?.getAttribute('data-status') === 'up', { timeout: 30_000 });
  expect(await page.$eval('tr[data-instance="orders-node-1-1"]', (r) => r.textContent ?? '')).toContain('SIGKILL');
  expect(problems).toEqual([]);
});

test('a request that makes a service throw shows up as a new error group, with its count and the commands for its logs and trace', async () => {
  const consulAddr = stateFile().env.CONSUL_HTTP_ADDR ?? '';
  const managementTokenFile = join(stateDir, 'consul/secrets/management.token');
  rememberOperatorToken(consulAddr, readFileSync(managementTokenFile, 'utf8').trim());
  // A test-only fixture beside the platform's services, logging where Filebeat ships from.
  fixture = await startRegisteredService(loggingFixtureEntry, 'failing-fixture', consulAddr, {
    FIXTURE_SERVICE_NAME: 'failing-fixture',
    CONSUL_HTTP_TOKEN_FILE: managementTokenFile,
    LOG_DIR: join(stateDir, 'logs'),
    LOG_TO_STDOUT: 'false',
  });
  const before = await page.$$eval('tr[data-fingerprint]', (rows) => rows.map((r) => r.getAttribute('data-fingerprint')));
  const requestIds = [`fail-${randomBytes(6).toString('hex')}`, `fail-${randomBytes(6).toString('hex')}`];
  const sentAt = Date.now();
  for (const id of requestIds) {
    const res = await fetch(`http://127.0.0.1:${fixture.port}/fail`, { headers: { 'x-request-id': id } });
    expect(res.status).toBe(500);
  }
  // Two orders, two ids, one bug: one group of two.
  const fingerprint = await waitReporting(
    problems,
    page
      .waitForFunction(
        (known: (string | null)[]) => {
          const row = Array.from(document.querySelectorAll('tr[data-fingerprint]')).find((r) => !known.includes(r.getAttribute('data-fingerprint')) && r.textContent?.includes('fixture order'));
          return row && row.querySelectorAll('td')[1]?.textContent === '2' ? row.getAttribute('data-fingerprint') : false;
        },
        { timeout: 20_000, polling: 'mutation' },
        before,
      )
      .then(async (handle) => String(await handle.jsonValue())),
  );
  expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
  process.stdout.write(`console: the new error group was on the page ${Date.now() - sentAt} ms after the failing requests\n`);
  const row = await page.$eval(`tr[data-fingerprint="${fingerprint}"]`, (r) => r.textContent ?? '');
  expect(row).toContain('failing-fixture');
  expect(row).toContain(`npx platform logs --request-id ${requestIds[1]}`);
  expect(row).toMatch(/npx platform trace [0-9a-f]{32}/);
  await page.screenshot({ path: join(output, 'console-error-group.png'), fullPage: true });
  // The same group is counted for Prometheus (and the NewErrorGroup alert) under the same fingerprint.
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${env.PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(`kit_error_group_events_total{fingerprint="${fingerprint}"}`)}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === '2';
    },
    { timeoutMs: 15_000, intervalMs: 500, what: `kit_error_group_events_total{fingerprint="${fingerprint}"} to reach 2 in Prometheus` },
  );
});
