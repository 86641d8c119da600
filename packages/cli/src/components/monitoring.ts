import { join } from 'node:path';
import { startAlertmanager, startPrometheus, type MonitorProcess } from '@platform/monitoring';
import { loadMonitoringSettings } from '../monitoring-settings';
import type { PlatformComponent } from './component';

/**
 * Metrics and alerts: Prometheus finds every instance through the Consul catalog and evaluates the
 * platform's alert rules (platform/monitoring/rules); Alertmanager groups what fires and sends it to
 * ALERT_WEBHOOK_URL. Both keep their data under the state folder across restarts.
 */
export const monitoringComponent: PlatformComponent = {
  name: 'monitoring',
  async start({ stateDir, env, settings, log }) {
    const monitoring = loadMonitoringSettings(settings.node.role === 'monitoring' ? settings.node.bindAddr : undefined);
    const consulAddr = env.CONSUL_HTTP_ADDR ?? `127.0.0.1:${settings.consul.http}`;
    const alertmanager = await startAlertmanager({
      stateDir: join(stateDir, 'alertmanager'),
      host: monitoring.host,
      port: monitoring.alertmanagerPort,
      webhookUrl: monitoring.webhookUrl,
      groupWaitS: monitoring.groupWaitS,
      groupIntervalS: 60,
      repeatIntervalS: 4 * 3600,
    });
    let prometheus: MonitorProcess;
    try {
      prometheus = await startPrometheus({
        stateDir: join(stateDir, 'prometheus'),
        host: monitoring.host,
        port: monitoring.prometheusPort,
        consulAddr,
        alertmanagers: [`${monitoring.host}:${monitoring.alertmanagerPort}`],
        scrapeIntervalS: monitoring.scrapeIntervalS,
        evaluationIntervalS: monitoring.scrapeIntervalS,
        retention: monitoring.retention,
        onDiscoveryError: (err) => log(`prometheus targets: Consul query failed (${err.message}); the last known targets stay scraped`),
      });
    } catch (err) {
      await alertmanager.stop(5_000);
      throw err;
    }
    let stopping = false;
    for (const [name, proc] of [['alertmanager', alertmanager], ['prometheus', prometheus]] as const) {
      void proc.exited.then((exit) => {
        if (!stopping) log(`${name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); no alert fires until it runs again`);
      });
    }
    return {
      env: { PROMETHEUS_URL: prometheus.url, ALERTMANAGER_URL: alertmanager.url },
      pids: () => [alertmanager.pid, prometheus.pid],
      describe: () => [
        `Metrics           ${prometheus.url}   (every instance found through Consul; targets: ${prometheus.url}/targets)`,
        `Alerts            ${alertmanager.url}   (npx platform alerts${monitoring.webhookUrl ? '; sent to ALERT_WEBHOOK_URL' : '; set ALERT_WEBHOOK_URL to be notified'})`,
      ],
      async stop() {
        stopping = true;
        await Promise.all([prometheus.stop(10_000), alertmanager.stop(10_000)]);
      },
    };
  },
};
