import { activeAlerts, type ActiveAlert } from '@platform/monitoring';
import { EXIT } from '../command/command';
import { printResult } from '../command/output';
import { alertmanagerUrl } from '../monitoring-settings';
import { loadSettings } from '../settings';
import { formatTable } from '../table';

/** The labels that say what an alert is about, in the order the table shows them. */
const SUBJECT_LABELS = ['service', 'instance', 'role', 'backend', 'group', 'topic'] as const;

/** One firing alert as `platform alerts --json` lists it. */
export interface AlertView {
  name: string;
  severity: string | null;
  /** The subject labels present (service, instance, role, backend, group, topic). */
  about: Record<string, string>;
  startsAt: string;
  firingForSeconds: number;
  summary: string | null;
  labels: Record<string, string>;
}

export const alertViews = (alerts: readonly ActiveAlert[], now = Date.now()): AlertView[] =>
  alerts.map((alert) => ({
    name: alert.labels.alertname ?? '?',
    severity: alert.labels.severity ?? null,
    about: Object.fromEntries(SUBJECT_LABELS.flatMap((l) => (alert.labels[l] ? [[l, alert.labels[l]]] : []))),
    startsAt: alert.startsAt,
    firingForSeconds: Math.max(0, Math.round((now - Date.parse(alert.startsAt)) / 1000)),
    summary: alert.annotations.summary ?? null,
    labels: alert.labels,
  }));

export const alertRows = (alerts: readonly AlertView[]): string[][] =>
  alerts.map((a) => [a.name, a.severity ?? '', Object.entries(a.about).map(([k, v]) => `${k}=${v}`).join(' '), `${a.firingForSeconds}s`, a.summary ?? '']);

const alertsText = ({ alertmanager, alerts }: { alertmanager: string; alerts: AlertView[] }): string =>
  alerts.length === 0 ? `no alert firing (${alertmanager})` : formatTable(['ALERT', 'SEVERITY', 'ABOUT', 'FOR', 'SUMMARY'], alertRows(alerts));

/** `platform alerts`: exit 1 when any fires, 3 when Alertmanager cannot be reached. */
export async function alerts(json: boolean): Promise<number> {
  const alertmanager = alertmanagerUrl(loadSettings().monitoring);
  let firing: ActiveAlert[];
  try {
    firing = await activeAlerts(alertmanager);
  } catch (err) {
    process.stderr.write(`cannot reach Alertmanager at ${alertmanager} (is the platform up?): ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.notRunning;
  }
  const found = alertViews(firing);
  printResult(json, { alertmanager, alerts: found }, alertsText);
  return found.length === 0 ? EXIT.ok : EXIT.failed;
}
