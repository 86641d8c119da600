import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { startBrowser, testOutputDir, waitReporting, type TestBrowser } from '../harness/browser';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startEcho, startGateway, writeGatewaySecrets, type RunningGateway } from '../harness/gateway';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import type { ServiceProcess } from '../harness/service-process';

/**
 * What people look at, loaded in headless Chromium as a user would: the gateway's Swagger UI page
 * through the edge, and the Consul UI with the management token. Each page must show its content
 * with no console error and no failed request; screenshots go to test-output/browser-ui/.
 */
let consul: TestConsul;
let internal: TestLb;
let edge: TestLb;
let gateway: RunningGateway;
let browser: TestBrowser;
const running: ServiceProcess[] = [];
const output = testOutputDir('browser-ui');

beforeAll(async () => {
  // The browser first: without chromium the file stops before any process was started.
  browser = await startBrowser();
  consul = await startTestConsul();
  const secrets = writeGatewaySecrets(['alice']);
  internal = await startTestLb(consul.httpAddr, 'internal');
  running.push((await startEcho(consul.httpAddr, 'catalogue', '/catalogue')).proc);
  // The gateway as the platform runs it: its edge HAProxy, whose maps it fills, is where callers go.
  gateway = await startGateway(consul.httpAddr, internal.addr, secrets);
  edge = gateway.edge;
  // /docs goes to the gateway's own backend, which the edge gets with a structural reload of its own.
  const answers = async (path: string): Promise<boolean> => (await fetch(`http://${edge.addr}${path}`, { headers: { 'x-api-key': secrets.keys.alice ?? '' } })).status === 200;
  await waitFor(async () => (await answers('/catalogue/ready')) && (await answers('/docs/openapi.json')), {
    timeoutMs: 10_000,
    what: 'the edge to route to catalogue with the key the gateway pushed, and /docs to the gateway',
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(running.map((p) => p.child.stop(3_000)));
  await gateway?.stop();
  await internal?.stop();
  await consul?.stop();
});

test("the Swagger UI page at the edge's /docs shows every routed service's operations, from the gateway's own files, with no console error", async () => {
  const { page, problems } = await browser.newPage();
  const response = await page.goto(`http://${edge.addr}/docs`, { waitUntil: 'load' });
  expect(response?.headers()['content-type']).toMatch(/^text\/html/);
  await waitReporting(problems, page.waitForSelector('.opblock', { timeout: 15_000 }));
  const operations = await page.$$eval('.opblock', (blocks) => blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent ?? ''} ${b.querySelector('.opblock-summary-path')?.textContent ?? ''}`.trim()));
  await page.screenshot({ path: join(output, 'swagger-ui.png'), fullPage: true });
  expect(operations).toContain('POST /catalogue/items');
  expect(problems).toEqual([]);
  await page.close();

  // The document stays JSON for programs: /docs with fetch's default Accept, and /docs/openapi.json.
  for (const path of ['/docs', '/docs/openapi.json']) {
    const doc = (await (await fetch(`http://${edge.addr}${path}`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/catalogue/items');
  }
});

test('the Consul UI on the loopback HTTP port loads with the management token and lists the registered services, with no console error', async () => {
  const { page, problems } = await browser.newPage();
  // What the UI's "Log in" stores: the token in the page's local storage, read at start.
  await page.evaluateOnNewDocument((secret) => localStorage.setItem('consul:token', JSON.stringify({ SecretID: secret })), consul.managementToken);
  await page.goto(`http://${consul.httpAddr}/ui/`, { waitUntil: 'load' });
  await waitReporting(problems, page.waitForFunction(() => ['catalogue', 'gateway', 'lb-controller'].every((name) => document.body.innerText.includes(name)), { timeout: 20_000 }));
  await page.screenshot({ path: join(output, 'consul-ui.png'), fullPage: true });
  writeFileSync(join(output, 'consul-ui.txt'), await page.evaluate(() => document.body.innerText));
  expect(problems).toEqual([]);
  await page.close();
});
