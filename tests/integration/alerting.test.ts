import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeAlerts, platformRuleFiles, type MonitorProcess } from '@platform/monitoring';
import { waitFor } from '@platform/process-runner';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestLb, type TestLb } from '../harness/load-balancer';
import { startTestMonitoring, startTestWebhook, type TestMonitoring, type WebhookNotification } from '../harness/monitoring';
import { repoRoot, startFixture, type ServiceProcess } from '../harness/service-process';

/**
 * Metrics and alerts on the real parts: Prometheus finds instances through Consul, evaluates the
 * platform's rules, and Alertmanager notifies a webhook when an instance dies and when it is back.
 */
let consul: TestConsul;
let lb: TestLb;
let alertmanager: MonitorProcess;
let prometheus: MonitorProcess;
let monitoring: TestMonitoring;
let webhook: Awaited<ReturnType<typeof startTestWebhook>>;
let echo: ServiceProcess;
let stateDir: string;
let notifications: WebhookNotification[] = [];
const cli = join(repoRoot, 'cli/dist/bin.js');

/** Every alert a notification carried with this state, newest last. */
const notified = (status: 'firing' | 'resolved', alertname: string, labels: Record<string, string> = {}) =>
  notifications.flatMap((n) => n.alerts).filter((a) => a.status === status && a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v));

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return ((await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'monitoring-test-'));
  webhook = await startTestWebhook();
  notifications = webhook.notifications;
  consul = await startTestConsul();
  lb = await startTestLb(consul.httpAddr, 'internal');
  monitoring = await startTestMonitoring(consul, stateDir, { webhookUrl: webhook.url });
  ({ alertmanager, prometheus } = monitoring);
  echo = await startFixture(consul.httpAddr, 'echo', 'a');
});

afterAll(async () => {
  await echo?.child.stop(5_000);
  await Promise.all([monitoring?.stop(), lb?.stop()]);
  await consul?.stop();
  await webhook?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

test('the platform rules pass their promtool unit tests', () => {
  const result = spawnSync('promtool', ['test', 'rules', 'platform-alerts.test.yml'], { cwd: join(platformRuleFiles()[0] as string, '..'), encoding: 'utf8' });
  expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
  expect(result.status).toBe(0);
});

test('the configs the platform renders pass promtool and amtool', () => {
  for (const [tool, args] of [
    ['promtool', ['check', 'config', join(stateDir, 'prom', 'prometheus.yml')]],
    ['amtool', ['check-config', join(stateDir, 'am', 'alertmanager.yml')]],
  ] as const) {
    const result = spawnSync(tool, args, { encoding: 'utf8' });
    expect({ tool, status: result.status, out: `${result.stdout}${result.stderr}` }).toMatchObject({ tool, status: 0, out: expect.stringContaining('SUCCESS') });
  }
});

test('Prometheus scrapes every kit instance it finds in Consul, named by service, instance and node', async () => {
  await waitFor(async () => (await query('up{job="platform-services"} == 1')).length >= 2, { timeoutMs: 20_000, what: 'echo and the load-balancer controller to be scraped' });
  const up = await query('up{job="platform-services"}');
  expect(up.map((s) => s.metric.instance).sort()).toEqual([echo.instanceId, lb.controllerId].sort());
  expect(up.find((s) => s.metric.instance === echo.instanceId)?.metric).toMatchObject({ service: 'echo', node: 'test-node' });
  // The controller's view of HAProxy is there too: one ready server for echo.
  await waitFor(async () => (await query('lb_servers{backend="svc_echo",state="ready"} == 1')).length === 1, { timeoutMs: 10_000, what: 'lb_servers for echo' });
});

test('kill -9 of the only instance: InstanceDown and BackendWithoutServers reach the webhook and `platform alerts`; both resolve when it is back', async () => {
  expect(notified('firing', 'InstanceDown')).toEqual([]);
  const killedAt = Date.now();
  echo.child.signal('SIGKILL');
  await waitFor(async () => notified('firing', 'InstanceDown', { instance: echo.instanceId }).length > 0 && notified('firing', 'BackendWithoutServers', { backend: 'svc_echo' }).length > 0, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: 'InstanceDown and BackendWithoutServers notifications',
  });
  const firedMs = Date.now() - killedAt;
  const [down] = notified('firing', 'InstanceDown', { instance: echo.instanceId });
  expect(down?.labels).toMatchObject({ service: 'echo', severity: 'page', node: 'test-node' });
  expect(down?.annotations.summary).toBe(`echo instance ${echo.instanceId} on test-node does not answer`);
  // The controller itself keeps answering: only the dead instance is down.
  expect(notified('firing', 'InstanceDown', { instance: lb.controllerId })).toEqual([]);

  expect((await activeAlerts(alertmanager.url)).map((a) => a.labels.alertname).sort()).toEqual(['BackendWithoutServers', 'InstanceDown']);
  const listed = spawnSync(process.execPath, [cli, 'alerts'], { env: { PATH: process.env.PATH, ALERTMANAGER_URL: alertmanager.url }, encoding: 'utf8' });
  expect(listed.status).toBe(1);
  expect(listed.stdout).toMatch(new RegExp(`InstanceDown\\s+page\\s+service=echo instance=${echo.instanceId}`));
  expect(listed.stdout).toContain('The internal load balancers have no ready server for svc_echo');
  const asJson = spawnSync(process.execPath, [cli, 'alerts', '--json'], { env: { PATH: process.env.PATH, ALERTMANAGER_URL: alertmanager.url }, encoding: 'utf8' });
  expect(asJson.status).toBe(1);
  const firing = JSON.parse(asJson.stdout) as { alertmanager: string; alerts: { name: string; severity: string; about: Record<string, string> }[] };
  expect(firing.alertmanager).toBe(alertmanager.url);
  expect(firing.alerts).toContainEqual(expect.objectContaining({ name: 'InstanceDown', severity: 'page', about: { service: 'echo', instance: echo.instanceId } }));

  echo = await startFixture(consul.httpAddr, 'echo', 'a');
  const backAt = Date.now();
  await waitFor(async () => notified('resolved', 'InstanceDown', { instance: echo.instanceId }).length > 0 && notified('resolved', 'BackendWithoutServers', { backend: 'svc_echo' }).length > 0, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: 'the alerts to resolve',
  });
  process.stdout.write(`alerts: kill -9 → both notified ${firedMs} ms later (InstanceDown holds 15 s); instance back → resolved ${Date.now() - backAt} ms later\n`);
  await waitFor(async () => (await activeAlerts(alertmanager.url)).length === 0, { timeoutMs: 10_000, what: 'Alertmanager to hold no alert' });
  const quiet = spawnSync(process.execPath, [cli, 'alerts'], { env: { PATH: process.env.PATH, ALERTMANAGER_URL: alertmanager.url }, encoding: 'utf8' });
  expect(quiet.status).toBe(0);
  expect(quiet.stdout).toContain('no alert firing');
});
