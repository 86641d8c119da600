import { join } from 'node:path';
import { startAlertmanager, startPrometheus, type MonitorProcess } from '@platform/monitoring';
import { consulErrorKind, quoteForLog } from '@platform/service-kit';
import { alertWebhookUrl } from '../monitoring-settings';
import { consulTokenFile } from '../consul-tokens';
import type { PlatformComponent } from './component';
import { keepRunning, type KeptProcess } from './restart-on-exit';

/**
 * Metrics and alerts: Prometheus finds every instance through the Consul catalog and evaluates the
 * platform's alert rules (platform/monitoring/rules); Alertmanager groups what fires and sends it to
 * ALERT_WEBHOOK_URL. Both keep their data under the state folder across restarts.
 */
export const monitoringComponent: PlatformComponent = {
  name: 'monitoring',
  async start({ stateDir, env, settings, log, changed }) {
    const monitoring = settings.monitoring;
    const webhookUrl = alertWebhookUrl();
    const consulAddr = env.CONSUL_HTTP_ADDR ?? `127.0.0.1:${settings.consul.http}`;
    const startAm = () =>
      startAlertmanager({
        stateDir: join(stateDir, 'alertmanager'),
        host: monitoring.host,
        port: monitoring.alertmanagerPort,
        webhookUrl,
        groupWaitS: monitoring.groupWaitS,
        groupIntervalS: 60,
        repeatIntervalS: 4 * 3600,
      });
    const startProm = () =>
      startPrometheus({
        stateDir: join(stateDir, 'prometheus'),
        host: monitoring.host,
        port: monitoring.prometheusPort,
        consulAddr,
        consulTokenFile: consulTokenFile(settings, 'monitoring'),
        alertmanagers: [`${monitoring.host}:${monitoring.alertmanagerPort}`],
        scrapeIntervalS: monitoring.scrapeIntervalS,
        evaluationIntervalS: monitoring.scrapeIntervalS,
        retention: monitoring.retention,
        onDiscoveryError: (err) => log(`prometheus targets: Consul ${consulErrorKind(err)} (${err.message}); the last known targets stay scraped`),
        onDiscoveryRecovered: () => log('prometheus targets: following Consul again'),
        onDiscoveryRejected: (entry) => log(`prometheus targets: catalog entry ${quoteForLog(entry.instanceId)} of ${quoteForLog(entry.service)} ignored (${entry.reason}); it is not scraped`),
      });
    const alertmanager = await keepRunning(startAm, { name: 'alertmanager', meanwhile: 'no alert is sent until it is back', log, changed });
    let prometheus: KeptProcess<MonitorProcess>;
    try {
      // A restart stops what is left of the old one first, its Consul watch included.
      prometheus = await keepRunning(startProm, { name: 'prometheus', meanwhile: 'no alert fires until it is back', log, changed });
    } catch (err) {
      await alertmanager.stop(5_000);
      throw err;
    }
    const urls = { prometheus: prometheus.current().url, alertmanager: alertmanager.current().url };
    return {
      env: { PROMETHEUS_URL: urls.prometheus, ALERTMANAGER_URL: urls.alertmanager },
      pids: () => [alertmanager.current().pid, prometheus.current().pid],
      describe: () => [
        `Metrics           ${urls.prometheus}   (every instance found through Consul; targets: ${urls.prometheus}/targets)`,
        `Alerts            ${urls.alertmanager}   (npx platform alerts${webhookUrl ? '; sent to ALERT_WEBHOOK_URL' : '; set ALERT_WEBHOOK_URL to be notified'})`,
      ],
      async stop() {
        await Promise.all([prometheus.stop(10_000), alertmanager.stop(10_000)]);
      },
    };
  },
};
