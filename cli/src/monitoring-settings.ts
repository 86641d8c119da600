import { readFileSync } from 'node:fs';
import { checkWebhookUrl } from '@platform/monitoring';
import { envInt } from './env-number';

/**
 * Where Prometheus and Alertmanager listen and how they behave. Every value comes from the
 * environment when set there, else from the default written here; there is no other source.
 * ALERTMANAGER_URL names one elsewhere (a cloud node asking the monitoring node) for `platform alerts`.
 * The webhook may carry a token: ALERT_WEBHOOK_URL_FILE reads it from a file (cloud nodes) instead.
 */
export interface MonitoringSettings {
  host: string;
  prometheusPort: number;
  alertmanagerPort: number;
  scrapeIntervalS: number;
  retention: string;
  /** Receives every firing and resolved notification; never printed (it may carry a token). */
  webhookUrl?: string;
  groupWaitS: number;
  externalAlertmanagerUrl?: string;
}

/** `bindAddr`: the monitoring node's private address, where operators reach it by default. */
export function loadMonitoringSettings(bindAddr?: string): MonitoringSettings {
  const retention = process.env.PROMETHEUS_RETENTION ?? '7d';
  if (!/^\d+[hdw]$/.test(retention)) throw new Error(`PROMETHEUS_RETENTION must be a duration such as 36h, 7d or 2w, got ${JSON.stringify(retention)}`);
  return {
    host: process.env.MONITORING_BIND_HOST || bindAddr || '127.0.0.1',
    prometheusPort: envInt('PROMETHEUS_PORT', 9090, 1, 65535),
    // 9093, Alertmanager's usual port, is the local Kafka controller's.
    alertmanagerPort: envInt('ALERTMANAGER_PORT', 9095, 1, 65535),
    scrapeIntervalS: envInt('PROMETHEUS_SCRAPE_INTERVAL_S', 5, 1, 300),
    retention,
    webhookUrl: webhookUrl(),
    groupWaitS: envInt('ALERT_GROUP_WAIT_S', 10, 0, 600),
    externalAlertmanagerUrl: process.env.ALERTMANAGER_URL || undefined,
  };
}

export function alertmanagerUrl(settings: MonitoringSettings = loadMonitoringSettings()): string {
  return settings.externalAlertmanagerUrl ?? `http://${settings.host}:${settings.alertmanagerPort}`;
}

function webhookUrl(): string | undefined {
  const file = process.env.ALERT_WEBHOOK_URL_FILE;
  if (!file) return checkWebhookUrl(process.env.ALERT_WEBHOOK_URL, 'ALERT_WEBHOOK_URL');
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`ALERT_WEBHOOK_URL_FILE cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return checkWebhookUrl(content, 'ALERT_WEBHOOK_URL_FILE (its content)');
}
