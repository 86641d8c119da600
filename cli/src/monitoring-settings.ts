import { readFileSync } from 'node:fs';
import { checkWebhookUrl, type PeopleReceivers } from '@platform/monitoring';
import { peopleReceiversFrom } from './alert-receivers-settings';
import type { PortNumbers, SettingsValues } from './settings-env';

/**
 * Where Prometheus and Alertmanager listen and how they behave (variables in settings-env.ts).
 * ALERTMANAGER_URL names one elsewhere (a cloud node asking the monitoring node) for `platform alerts`.
 */
export interface MonitoringSettings {
  host: string;
  prometheusPort: number;
  alertmanagerPort: number;
  scrapeIntervalS: number;
  retention: string;
  groupWaitS: number;
  externalAlertmanagerUrl?: string;
  /** Slack and email receivers, by severity (paths to their secret files, never the secrets). */
  people: PeopleReceivers;
}

/** `bindAddr`: a monitoring node's private address, where operators reach it by default. */
export function monitoringSettingsFrom(values: SettingsValues, ports: PortNumbers, bindAddr: string | undefined): MonitoringSettings {
  return {
    host: values.MONITORING_BIND_HOST ?? bindAddr ?? '127.0.0.1',
    prometheusPort: ports.prometheus,
    alertmanagerPort: ports.alertmanager,
    scrapeIntervalS: values.PROMETHEUS_SCRAPE_INTERVAL_S,
    retention: values.PROMETHEUS_RETENTION,
    groupWaitS: values.ALERT_GROUP_WAIT_S,
    externalAlertmanagerUrl: values.ALERTMANAGER_URL,
    people: peopleReceiversFrom(values),
  };
}

export function alertmanagerUrl(settings: MonitoringSettings): string {
  return settings.externalAlertmanagerUrl ?? `http://${settings.host}:${settings.alertmanagerPort}`;
}

/**
 * The URL that receives every firing and resolved notification: ALERT_WEBHOOK_URL, or the content
 * of ALERT_WEBHOOK_URL_FILE (cloud nodes), since it may carry a token. It is read where it is used,
 * never kept in the settings (which `platform up` writes to its plan file), and never printed.
 */
export function alertWebhookUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = env.ALERT_WEBHOOK_URL_FILE;
  if (!file) return checkWebhookUrl(env.ALERT_WEBHOOK_URL, 'ALERT_WEBHOOK_URL');
  let content: string;
  try {
    content = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`ALERT_WEBHOOK_URL_FILE cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return checkWebhookUrl(content, 'ALERT_WEBHOOK_URL_FILE (its content)');
}

/** alertWebhookUrl's problem, if any, for the settings check that reports every problem at once. */
export function webhookProblems(env: NodeJS.ProcessEnv): string[] {
  try {
    alertWebhookUrl(env);
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}
