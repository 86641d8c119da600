import { PlatformError } from '@platform/process-runner';
import { peopleRouting, type PeopleReceivers } from './alert-receivers';

/** Where Alertmanager sends alerts and how it groups them. */
export interface AlertmanagerSettings {
  /** Receives every notification (firing and resolved) as Alertmanager's webhook JSON; none: alerts are only listed by the API and `platform alerts`. */
  webhookUrl?: string;
  /** Slack and email, routed by severity (alert-receivers.ts). */
  people?: PeopleReceivers;
  groupWaitS: number;
  groupIntervalS: number;
  repeatIntervalS: number;
}

/** The config as JSON (valid YAML, which Alertmanager reads); it may hold a webhook secret, so the caller writes it mode 600. */
export function renderAlertmanagerConfig(settings: AlertmanagerSettings): string {
  const receiver = { name: 'platform', ...(settings.webhookUrl ? { webhook_configs: [{ url: settings.webhookUrl, send_resolved: true }] } : {}) };
  const people = peopleRouting(settings.people ?? {}, receiver.name);
  const config = {
    route: {
      receiver: receiver.name,
      group_by: ['alertname', 'service', 'role', 'backend', 'group'],
      group_wait: `${settings.groupWaitS}s`,
      group_interval: `${settings.groupIntervalS}s`,
      repeat_interval: `${settings.repeatIntervalS}s`,
      ...(people.routes.length > 0 ? { routes: people.routes } : {}),
    },
    receivers: [receiver, ...people.receivers],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Throws with the variable's name when a webhook URL is not an http(s) URL; never echoes it (it may carry a token). */
export function checkWebhookUrl(url: string | undefined, variable: string): string | undefined {
  if (url === undefined || url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PlatformError('PLATFORM_ALERT_WEBHOOK_INVALID', `${variable} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new PlatformError('PLATFORM_ALERT_WEBHOOK_INVALID', `${variable} must be an http or https URL`);
  return url;
}
