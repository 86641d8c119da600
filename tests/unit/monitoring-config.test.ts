import type { ServicesSnapshot, WatchedInstance } from '@platform/service-kit';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from '@platform/process-runner';
import { checkWebhookUrl, renderAlertmanagerConfig, renderPrometheusConfig, scrapeTargets, syncScrapeTargets, type PeopleReceivers } from '@platform/monitoring';

const instance = (id: string, overrides: Partial<WatchedInstance> = {}): WatchedInstance => ({
  id,
  service: 'users',
  node: 'node-a',
  address: '10.0.1.7',
  port: 5432,
  tags: [],
  meta: { 'metrics-port': '41000', 'metrics-path': '/metrics' },
  health: 'passing',
  ...overrides,
});
const snapshot = (instances: WatchedInstance[]): ServicesSnapshot => ({ services: new Map([['users', instances]]), observedAt: 0, index: '1' });

test('each instance with a metrics port is a target on that port, named by service, instance and node', () => {
  expect(scrapeTargets(snapshot([instance('users-2', { health: 'critical' }), instance('users-1')]))).toEqual([
    { targets: ['10.0.1.7:41000'], labels: { service: 'users', instance: 'users-1', node: 'node-a', __metrics_path__: '/metrics' } },
    { targets: ['10.0.1.7:41000'], labels: { service: 'users', instance: 'users-2', node: 'node-a', __metrics_path__: '/metrics' } },
  ]);
});

test('instances in maintenance, without a metrics port or with a bad one are not scraped', () => {
  const targets = scrapeTargets(
    snapshot([
      instance('draining', { health: 'maintenance' }),
      instance('no-meta', { meta: {} }),
      instance('bad-port', { meta: { 'metrics-port': '70000' } }),
      instance('v6', { address: 'fd00::7', meta: { 'metrics-port': '9100' } }),
    ]),
  );
  expect(targets).toEqual([{ targets: ['[fd00::7]:9100'], labels: { service: 'users', instance: 'v6', node: 'node-a', __metrics_path__: '/metrics' } }]);
});

test('the scrape timeout stays below the interval', () => {
  const timeout = (scrapeIntervalS: number): string =>
    (JSON.parse(renderPrometheusConfig({ targetsFile: '/t.json', alertmanagers: [], ruleFiles: [], scrapeIntervalS, evaluationIntervalS: 5 })) as { global: { scrape_timeout: string } }).global.scrape_timeout;
  expect([timeout(1), timeout(5), timeout(60)]).toEqual(['1000ms', '4500ms', '9500ms']);
});

test('without a webhook the receiver only holds alerts; with one it is told of firing and resolved', () => {
  const receivers = (webhookUrl?: string) => (JSON.parse(renderAlertmanagerConfig({ webhookUrl, groupWaitS: 10, groupIntervalS: 60, repeatIntervalS: 3600 })) as { receivers: unknown[] }).receivers;
  expect(receivers()).toEqual([{ name: 'platform' }]);
  expect(receivers('https://hooks.example/alerts')).toEqual([{ name: 'platform', webhook_configs: [{ url: 'https://hooks.example/alerts', send_resolved: true }] }]);
});

test('people are notified by severity: pages to Slack and email, warnings to Slack; the webhook keeps every alert; nobody configured adds no route', () => {
  const config = (people: PeopleReceivers) => JSON.parse(renderAlertmanagerConfig({ people, groupWaitS: 10, groupIntervalS: 60, repeatIntervalS: 3600 })) as { route: { routes?: unknown[] }; receivers: Record<string, unknown>[] };
  expect(config({}).route.routes).toBeUndefined();
  const email = { to: ['a@example.com'], from: 'am@example.com', smarthost: 'smtp.example.com:587', username: 'am', passwordFile: '/s/smtp', requireTls: true };
  const both = config({ slack: { webhookUrlFile: '/s/slack', channel: '#alerts' }, email });
  expect(both.route.routes).toEqual([
    { receiver: 'platform', continue: true },
    { receiver: 'people-page', matchers: ['severity="page"'] },
    { receiver: 'people-warning', matchers: ['severity="warning"'] },
  ]);
  expect(both.receivers.map((r) => [r.name, Object.keys(r).filter((k) => k !== 'name')])).toEqual([
    ['platform', []],
    ['people-page', ['slack_configs', 'email_configs']],
    ['people-warning', ['slack_configs']],
  ]);
  expect(both.receivers[1]).toMatchObject({
    slack_configs: [{ api_url_file: '/s/slack', channel: '#alerts', send_resolved: true }],
    email_configs: [{ to: 'a@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587', auth_username: 'am', auth_password_file: '/s/smtp', require_tls: true, send_resolved: true }],
  });
  // Email alone: pages only, warnings reach nobody but the webhook.
  expect(config({ email }).route.routes).toEqual([{ receiver: 'platform', continue: true }, { receiver: 'people-page', matchers: ['severity="page"'] }]);
});

test('a bad webhook URL is refused by variable name, without echoing it', () => {
  expect(checkWebhookUrl(undefined, 'ALERT_WEBHOOK_URL')).toBeUndefined();
  expect(() => checkWebhookUrl('not a url secret-token', 'ALERT_WEBHOOK_URL')).toThrow(/^ALERT_WEBHOOK_URL is not a URL$/);
  expect(() => checkWebhookUrl('ftp://host/secret-token', 'ALERT_WEBHOOK_URL')).toThrow(/^ALERT_WEBHOOK_URL must be an http or https URL$/);
});

test('while Consul does not answer, the targets file stays readable and the outage is reported once, not at every retry', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'targets-')), 'targets.json');
  const errors: string[] = [];
  const sync = syncScrapeTargets({ consulAddr: `127.0.0.1:${await freePort()}`, file, onError: (err) => errors.push(err.message) });
  try {
    // The watch retries with backoff from 100 ms: several failed queries in this time.
    await sleep(2_500);
    expect(errors).toHaveLength(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([]);
  } finally {
    sync.stop();
  }
});
