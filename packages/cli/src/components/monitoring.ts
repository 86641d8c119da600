import { join } from 'node:path';
import { startAlertmanager, startPrometheus, type MonitorProcess } from '@platform/monitoring';
import { loadMonitoringSettings } from '../monitoring-settings';
import type { PlatformComponent } from './component';
import { restartOnExit } from './restart-on-exit';

/**
 * Metrics and alerts: Prometheus finds every instance through the Consul catalog and evaluates the
 * platform's alert rules (platform/monitoring/rules); Alertmanager groups what fires and sends it to
 * ALERT_WEBHOOK_URL. Both keep their data under the state folder across restarts.
 */
export const monitoringComponent: PlatformComponent = {
  name: 'monitoring',
  async start({ stateDir, env, settings, log, changed }) {
    const monitoring = loadMonitoringSettings(settings.node.role === 'monitoring' ? settings.node.bindAddr : undefined);
    const consulAddr = env.CONSUL_HTTP_ADDR ?? `127.0.0.1:${settings.consul.http}`;
    const startAm = () =>
      startAlertmanager({
        stateDir: join(stateDir, 'alertmanager'),
        host: monitoring.host,
        port: monitoring.alertmanagerPort,
        webhookUrl: monitoring.webhookUrl,
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
        alertmanagers: [`${monitoring.host}:${monitoring.alertmanagerPort}`],
        scrapeIntervalS: monitoring.scrapeIntervalS,
        evaluationIntervalS: monitoring.scrapeIntervalS,
        retention: monitoring.retention,
        onDiscoveryError: (err) => log(`prometheus targets: Consul query failed (${err.message}); the last known targets stay scraped`),
        onDiscoveryRecovered: () => log('prometheus targets: following Consul again'),
      });
    let alertmanager = await startAm();
    let prometheus: MonitorProcess;
    try {
      prometheus = await startProm();
    } catch (err) {
      await alertmanager.stop(5_000);
      throw err;
    }
    const watches = [
      restartOnExit({
        name: 'alertmanager',
        exited: () => alertmanager.exited,
        restart: async () => {
          await alertmanager.stop(1_000);
          alertmanager = await startAm();
        },
        meanwhile: 'no alert is sent until it is back',
        log,
        changed,
      }),
      restartOnExit({
        name: 'prometheus',
        exited: () => prometheus.exited,
        restart: async () => {
          // Also ends its Consul watch, which the new one starts again.
          await prometheus.stop(1_000);
          prometheus = await startProm();
        },
        meanwhile: 'no alert fires until it is back',
        log,
        changed,
      }),
    ];
    return {
      env: { PROMETHEUS_URL: prometheus.url, ALERTMANAGER_URL: alertmanager.url },
      pids: () => [alertmanager.pid, prometheus.pid],
      describe: () => [
        `Metrics           ${prometheus.url}   (every instance found through Consul; targets: ${prometheus.url}/targets)`,
        `Alerts            ${alertmanager.url}   (npx platform alerts${monitoring.webhookUrl ? '; sent to ALERT_WEBHOOK_URL' : '; set ALERT_WEBHOOK_URL to be notified'})`,
      ],
      async stop() {
        await Promise.all(watches.map((w) => w.stop()));
        await Promise.all([prometheus.stop(10_000), alertmanager.stop(10_000)]);
      },
    };
  },
};
