import { activeAlerts, type ActiveAlert } from '@platform/monitoring';
import { alertmanagerUrl } from '../monitoring-settings';
import { formatTable } from '../table';

/** The labels that say what an alert is about, in the order the table shows them. */
const SUBJECT_LABELS = ['service', 'instance', 'role', 'backend', 'group', 'topic'] as const;

export const alertRows = (alerts: readonly ActiveAlert[], now = Date.now()): string[][] =>
  alerts.map((alert) => [
    alert.labels.alertname ?? '?',
    alert.labels.severity ?? '',
    SUBJECT_LABELS.filter((l) => alert.labels[l]).map((l) => `${l}=${alert.labels[l]}`).join(' '),
    `${Math.max(0, Math.round((now - Date.parse(alert.startsAt)) / 1000))}s`,
    alert.annotations.summary ?? '',
  ]);

/** Prints the alerts firing now, from Alertmanager; exit 1 when any fires, so scripts can check. */
export async function alerts(): Promise<number> {
  const url = alertmanagerUrl();
  let firing: ActiveAlert[];
  try {
    firing = await activeAlerts(url);
  } catch (err) {
    process.stderr.write(`cannot reach Alertmanager at ${url} (is the platform up?): ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (firing.length === 0) {
    process.stdout.write(`no alert firing (${url})\n`);
    return 0;
  }
  process.stdout.write(`${formatTable(['ALERT', 'SEVERITY', 'ABOUT', 'FOR', 'SUMMARY'], alertRows(firing))}\n`);
  return 1;
}
