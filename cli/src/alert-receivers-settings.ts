import { statSync } from 'node:fs';
import { checkWebhookUrl, type PeopleReceivers } from '@platform/monitoring';
import { readSecretFile } from '@platform/process-runner';
import type { SettingsValues } from './settings-env';

/**
 * Slack and email for alerts (variables in settings-env.ts). Each is on only when its settings are
 * there; the Slack webhook URL and the SMTP password stay in their files, which Alertmanager reads
 * (the settings keep the paths only, so `platform up`'s plan file holds no secret).
 */
export function peopleReceiversFrom(values: SettingsValues): PeopleReceivers {
  const slack = values.ALERT_SLACK_WEBHOOK_URL_FILE ? { webhookUrlFile: values.ALERT_SLACK_WEBHOOK_URL_FILE, channel: values.ALERT_SLACK_CHANNEL } : undefined;
  const { ALERT_EMAIL_TO: to, ALERT_EMAIL_FROM: from, ALERT_SMTP_SMARTHOST: smarthost } = values;
  const email =
    to && from && smarthost
      ? { to, from, smarthost, username: values.ALERT_SMTP_USERNAME, passwordFile: values.ALERT_SMTP_PASSWORD_FILE, requireTls: values.ALERT_SMTP_REQUIRE_TLS }
      : undefined;
  return { ...(slack ? { slack } : {}), ...(email ? { email } : {}) };
}

/** Everything wrong with the receivers' settings, for the settings check that reports every problem at once. */
export function peopleReceiverProblems(values: SettingsValues): string[] {
  const problems: string[] = [];
  const slackFile = values.ALERT_SLACK_WEBHOOK_URL_FILE;
  if (slackFile) {
    problems.push(...secretFileProblems(slackFile, 'ALERT_SLACK_WEBHOOK_URL_FILE'));
    if (problems.length === 0) {
      try {
        checkWebhookUrl(readSecretFile(slackFile, 'ALERT_SLACK_WEBHOOK_URL_FILE'), 'ALERT_SLACK_WEBHOOK_URL_FILE (its content)');
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
  } else if (values.ALERT_SLACK_CHANNEL) problems.push('ALERT_SLACK_CHANNEL needs ALERT_SLACK_WEBHOOK_URL_FILE');
  const email = { ALERT_EMAIL_TO: values.ALERT_EMAIL_TO, ALERT_EMAIL_FROM: values.ALERT_EMAIL_FROM, ALERT_SMTP_SMARTHOST: values.ALERT_SMTP_SMARTHOST };
  const missing = Object.entries(email).filter(([, v]) => v === undefined).map(([k]) => k);
  const anyEmail = missing.length < 3 || values.ALERT_SMTP_USERNAME !== undefined || values.ALERT_SMTP_PASSWORD_FILE !== undefined;
  if (anyEmail && missing.length > 0) problems.push(`email alerts need ALERT_EMAIL_TO, ALERT_EMAIL_FROM and ALERT_SMTP_SMARTHOST together (missing ${missing.join(', ')})`);
  if (values.ALERT_SMTP_PASSWORD_FILE) {
    if (!values.ALERT_SMTP_USERNAME) problems.push('ALERT_SMTP_PASSWORD_FILE needs ALERT_SMTP_USERNAME');
    problems.push(...secretFileProblems(values.ALERT_SMTP_PASSWORD_FILE, 'ALERT_SMTP_PASSWORD_FILE'));
  }
  return problems;
}

/** A secret's file must exist and be its owner's alone (0600 or stricter); its content is never shown. */
function secretFileProblems(path: string, variable: string): string[] {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    return [`${variable} names ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`];
  }
  return (mode & 0o077) === 0 ? [] : [`${variable} names ${path}, which others may read: chmod 600 ${path}`];
}
