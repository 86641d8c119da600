import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MonitorProcess } from '@platform/monitoring';
import { waitFor, writeSecretFile } from '@platform/process-runner';
import { startTestSlack, startTestSmtp, type TestSlack, type TestSmtp } from '../harness/alert-receivers';
import { startTestConsul, type TestConsul } from '../harness/consul';
import { startTestMonitoring, startTestWebhook, type TestMonitoring } from '../harness/monitoring';
import { startFixture, type ServiceProcess } from '../harness/service-process';

/**
 * Alerts to people on the real parts: Prometheus evaluates the platform's rules on an instance it
 * finds through Consul, Alertmanager routes by severity to a Slack-compatible receiver (which checks
 * every payload as Slack would), an SMTP server and the generic webhook, firing and resolved.
 */
let consul: TestConsul;
let prometheus: MonitorProcess;
let slack: TestSlack;
let smtp: TestSmtp;
let monitoring: TestMonitoring;
let webhook: Awaited<ReturnType<typeof startTestWebhook>>;
let instance: ServiceProcess;
let stateDir: string;
let slackUrlFile: string;
const webhookAlerts = () => webhook.notifications.flatMap((n) => n.alerts);

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'alert-receivers-'));
  [slack, smtp] = await Promise.all([startTestSlack(), startTestSmtp()]);
  slackUrlFile = join(stateDir, 'secrets', 'slack-webhook-url');
  writeSecretFile(slackUrlFile, `${slack.url}\n`);
  webhook = await startTestWebhook();
  consul = await startTestConsul();
  monitoring = await startTestMonitoring(consul, stateDir, {
    webhookUrl: webhook.url,
    people: { slack: { webhookUrlFile: slackUrlFile }, email: { to: ['oncall@example.test'], from: 'alertmanager@example.test', smarthost: smtp.smarthost, requireTls: false } },
  });
  ({ prometheus } = monitoring);
  instance = await startFixture(consul.httpAddr, 'paged', 'a');
}, 60_000);

afterAll(async () => {
  await instance?.child.stop(5_000);
  await monitoring?.stop();
  await consul?.stop();
  await Promise.all([slack?.stop(), smtp?.stop(), webhook?.stop()]);
  rmSync(stateDir, { recursive: true, force: true });
});

const amtool = (...args: string[]) => spawnSync('amtool', args, { encoding: 'utf8' });

test('the rendered config passes amtool, routes pages to Slack and email and warnings to Slack, all to the webhook too, and holds no Slack URL', () => {
  const configFile = join(stateDir, 'am', 'alertmanager.yml');
  expect(amtool('check-config', configFile).status).toBe(0);
  const routes = (labels: string) => amtool('config', 'routes', 'test', `--config.file=${configFile}`, labels).stdout.trim();
  expect(routes('severity=page')).toBe('platform,people-page');
  expect(routes('severity=warning')).toBe('platform,people-warning');
  expect(routes('severity=info')).toBe('platform');
  expect(readFileSync(configFile, 'utf8')).not.toContain('test-secret-part');
  expect(statSync(configFile).mode & 0o777).toBe(0o600);
});

test('a firing page reaches Slack in a payload Slack accepts, the mailbox and the webhook; resolved, it reaches them again', async () => {
  await waitFor(async () => ((await (await fetch(`${prometheus.url}/api/v1/query?query=up%3D%3D1`)).json()) as { data: { result: unknown[] } }).data.result.length > 0, { timeoutMs: 15_000, what: 'the instance to be scraped' });
  const killedAt = Date.now();
  instance.child.signal('SIGKILL');
  const slackSaid = (status: string) => slack.messages.filter((m) => JSON.stringify(m.payload).includes(`[${status}`) && JSON.stringify(m.payload).includes('InstanceDown'));
  const mailed = (status: string) => smtp.mails.filter((m) => /^Subject: .*InstanceDown/m.test(m.data) && m.data.includes(`[${status}`));
  await waitFor(async () => slackSaid('FIRING').length > 0 && mailed('FIRING').length > 0, { timeoutMs: 45_000, intervalMs: 250, what: 'InstanceDown on Slack and by mail' });
  const firedMs = Date.now() - killedAt;

  expect(slack.messages.map((m) => m.problems)).toEqual(slack.messages.map(() => []));
  const [fired] = slackSaid('FIRING');
  const attachment = (fired!.payload.attachments as Record<string, string>[])[0]!;
  expect(attachment.title).toBe('[FIRING:1] InstanceDown (page)');
  expect(attachment.color).toBe('danger');
  expect(attachment.text).toContain(`paged instance ${instance.instanceId} on test-node does not answer (service paged, ${instance.instanceId})`);
  expect(mailed('FIRING')[0]?.to).toEqual(['<oncall@example.test>']);
  expect(webhookAlerts()).toContainEqual(expect.objectContaining({ status: 'firing', labels: expect.objectContaining({ alertname: 'InstanceDown', severity: 'page' }) }));

  instance = await startFixture(consul.httpAddr, 'paged', 'a');
  const backAt = Date.now();
  await waitFor(async () => slackSaid('RESOLVED').length > 0 && mailed('RESOLVED').length > 0, { timeoutMs: 30_000, intervalMs: 250, what: 'InstanceDown resolved on Slack and by mail' });
  process.stdout.write(`alert receivers: kill -9 → Slack and mail ${firedMs} ms later (InstanceDown holds 15 s); back → resolved ${Date.now() - backAt} ms later\n`);
  const resolved = (slackSaid('RESOLVED')[0]!.payload.attachments as Record<string, string>[])[0]!;
  expect(resolved.title).toBe('[RESOLVED] InstanceDown (page)');
  expect(resolved.color).toBe('good');
  expect(slack.messages.every((m) => m.problems.length === 0)).toBe(true);
  expect(webhookAlerts()).toContainEqual(expect.objectContaining({ status: 'resolved', labels: expect.objectContaining({ alertname: 'InstanceDown' }) }));
});
