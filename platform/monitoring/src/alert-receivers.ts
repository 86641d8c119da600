/**
 * Notifications for people, beside the generic webhook: Slack for every page and warning, email
 * for pages. Each is configured only when its settings exist; secrets stay in their 0600 files,
 * which Alertmanager reads itself (api_url_file, auth_password_file), so no rendered file holds them.
 */
export interface SlackReceiver {
  /** A 0600 file holding the incoming-webhook URL (https://hooks.slack.com/services/...). */
  webhookUrlFile: string;
  /** Only for webhooks that may post elsewhere than their own channel (#alerts, @someone). */
  channel?: string;
}

export interface EmailReceiver {
  to: string[];
  from: string;
  /** host:port of the SMTP server. */
  smarthost: string;
  username?: string;
  /** A 0600 file holding the SMTP password. */
  passwordFile?: string;
  requireTls: boolean;
}

export interface PeopleReceivers {
  slack?: SlackReceiver;
  email?: EmailReceiver;
}

/** Which severities reach which people: the routing docs/metrics-and-alerts.md describes. */
export const SEVERITY_ROUTES = { page: ['slack', 'email'], warning: ['slack'] } as const;

type Channel = 'slack' | 'email';

// Slack's attachment: a title with the state and the count, one line per alert, red while firing.
const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})';
const SLACK_TEXT = '{{ range .Alerts }}{{ if eq .Status "firing" }}:red_circle:{{ else }}:white_check_mark:{{ end }} {{ .Annotations.summary }}{{ if .Labels.service }} (service {{ .Labels.service }}{{ if .Labels.instance }}, {{ .Labels.instance }}{{ end }}){{ end }}\n{{ end }}';
const SLACK_COLOR = '{{ if eq .Status "firing" }}{{ if eq .CommonLabels.severity "page" }}danger{{ else }}warning{{ end }}{{ else }}good{{ end }}';

function channelConfig(channel: Channel, people: PeopleReceivers): Record<string, unknown[]> {
  if (channel === 'slack' && people.slack) {
    const { webhookUrlFile, channel: slackChannel } = people.slack;
    return { slack_configs: [{ api_url_file: webhookUrlFile, ...(slackChannel ? { channel: slackChannel } : {}), send_resolved: true, title: SLACK_TITLE, text: SLACK_TEXT, color: SLACK_COLOR }] };
  }
  if (channel === 'email' && people.email) {
    const e = people.email;
    const auth = e.username ? { auth_username: e.username, ...(e.passwordFile ? { auth_password_file: e.passwordFile } : {}) } : {};
    return { email_configs: [{ to: e.to.join(', '), from: e.from, smarthost: e.smarthost, ...auth, require_tls: e.requireTls, send_resolved: true }] };
  }
  return {};
}

/**
 * The receivers and child routes for people. The first child route sends everything on to the
 * generic receiver (`continue`), because once a child route matches, the root's receiver is no
 * longer used; a severity with no channel configured gets no route.
 */
export function peopleRouting(people: PeopleReceivers, generic: string): { receivers: Record<string, unknown>[]; routes: Record<string, unknown>[] } {
  const receivers: Record<string, unknown>[] = [];
  const routes: Record<string, unknown>[] = [];
  for (const [severity, channels] of Object.entries(SEVERITY_ROUTES)) {
    const configs = Object.assign({}, ...channels.map((c) => channelConfig(c, people))) as Record<string, unknown[]>;
    if (Object.keys(configs).length === 0) continue;
    receivers.push({ name: `people-${severity}`, ...configs });
    routes.push({ receiver: `people-${severity}`, matchers: [`severity="${severity}"`] });
  }
  return { receivers, routes: routes.length > 0 ? [{ receiver: generic, continue: true }, ...routes] : [] };
}
