import { createServer } from 'node:http';
import { join } from 'node:path';
import { startAlertmanager, startPrometheus, type AlertmanagerSettings, type MonitorProcess } from '@platform/monitoring';
import { freePort } from '@platform/process-runner';
import type { TestConsul } from './consul';
import { stoppedAtEnd } from './stopped-at-end';

/** Notification settings a test chooses; the timings are the harness's (everything at 1 s). */
export type TestAlertRouting = Omit<AlertmanagerSettings, 'groupWaitS' | 'groupIntervalS' | 'repeatIntervalS'>;

export interface TestMonitoring {
  alertmanager: MonitorProcess;
  prometheus: MonitorProcess;
  stop(): Promise<void>;
}

/**
 * Alertmanager and Prometheus as `platform up` starts them (the platform's rules, targets from
 * Consul with the monitoring token), under `stateDir` (am/, prom/), with scrape, evaluation and
 * grouping at 1 s so an alert's path is measured in seconds.
 */
export async function startTestMonitoring(consul: TestConsul, stateDir: string, routing: TestAlertRouting): Promise<TestMonitoring> {
  const amPort = await freePort();
  const alertmanager = await startAlertmanager({ ...routing, stateDir: join(stateDir, 'am'), host: '127.0.0.1', port: amPort, groupWaitS: 1, groupIntervalS: 1, repeatIntervalS: 3600 });
  const prometheus = await startPrometheus({
    stateDir: join(stateDir, 'prom'),
    host: '127.0.0.1',
    port: await freePort(),
    consulAddr: consul.httpAddr,
    consulTokenFile: await consul.tokenFile('monitoring'),
    alertmanagers: [`127.0.0.1:${amPort}`],
    scrapeIntervalS: 1,
    evaluationIntervalS: 1,
    retention: '1d',
  }).catch(async (err: unknown) => {
    await alertmanager.stop(5_000);
    throw err;
  });
  return stoppedAtEnd({ alertmanager, prometheus, stop: async () => void (await Promise.all([prometheus.stop(5_000), alertmanager.stop(5_000)])) });
}

/** Alertmanager's webhook JSON as it arrives. */
export interface WebhookNotification {
  status: 'firing' | 'resolved';
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string> }[];
}

/** A generic webhook on loopback that keeps every notification it is sent. */
export async function startTestWebhook(): Promise<{ url: string; notifications: WebhookNotification[]; stop(): Promise<void> }> {
  const notifications: WebhookNotification[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      notifications.push(JSON.parse(body) as WebhookNotification);
      res.end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/alerts`, notifications, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
