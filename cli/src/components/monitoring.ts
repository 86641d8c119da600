import { join } from 'node:path';
import { clusterHealthEntry, startAlertmanager, startPrometheus, type MonitorProcess, type PeopleReceivers } from '@platform/monitoring';
import { consulErrorKind, quoteForLog } from '@platform/service-kit';
import { CLUSTER_HEALTH_SERVICE } from '@platform/consul';
import { alertWebhookUrl } from '../monitoring-settings';
import { consulTokenFile } from '../consul-tokens';
import { InstanceSlot } from '../supervisor/instance-slot';
import type { PlatformComponent } from './component';
import { keepRunning, type KeptProcess } from './restart-on-exit';

/**
 * Metrics and alerts: Prometheus finds every instance through the Consul catalog and evaluates the
 * platform's alert rules (platform/monitoring/rules); Alertmanager groups what fires and sends it to
 * ALERT_WEBHOOK_URL. Both keep their data under the state folder across restarts. Beside them the
 * cluster-health exporter (an instance, found by Prometheus in the catalog like any other) turns
 * the health of Kafka, the log store and the Consul servers into the metrics the cluster alerts read.
 */
/** Where notifications go, as `platform up` prints it. */
function notifiedText(webhook: boolean, people: PeopleReceivers): string {
  const to = [webhook ? 'ALERT_WEBHOOK_URL' : '', people.slack ? 'Slack' : '', people.email ? 'email (pages)' : ''].filter(Boolean);
  return to.length > 0 ? `; sent to ${to.join(', ')}` : '; set ALERT_WEBHOOK_URL or ALERT_SLACK_WEBHOOK_URL_FILE to be notified';
}

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
        people: monitoring.people,
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
    const exporter = new InstanceSlot({
      service: CLUSTER_HEALTH_SERVICE,
      instanceId: `cluster-health-${settings.nodeName}`,
      entry: clusterHealthEntry,
      slot: 1,
      nodeName: settings.nodeName,
      logDir: join(settings.stateDir, 'logs'),
      // KAFKA_BROKERS and LOG_STORE_URL: from the broker and log store components, or a cloud node's environment file.
      env: { ...process.env, ...env, HOST: monitoring.host, CONSUL_HTTP_ADDR: consulAddr, CONSUL_HTTP_TOKEN_FILE: consulTokenFile(settings, 'monitoring') },
      onChange: changed,
      report: log,
    });
    exporter.start();
    const urls = { prometheus: prometheus.current().url, alertmanager: alertmanager.current().url };
    return {
      env: { PROMETHEUS_URL: urls.prometheus, ALERTMANAGER_URL: urls.alertmanager },
      pids: () => [alertmanager.current().pid, prometheus.current().pid, ...(exporter.state.pid === null ? [] : [exporter.state.pid])],
      instances: () => [exporter.state],
      describe: () => [
        `Metrics           ${urls.prometheus}   (every instance found through Consul; targets: ${urls.prometheus}/targets)`,
        `Alerts            ${urls.alertmanager}   (npx platform alerts${notifiedText(webhookUrl !== undefined, monitoring.people)})`,
      ],
      async stop() {
        await exporter.stop(10_000);
        await Promise.all([prometheus.stop(10_000), alertmanager.stop(10_000)]);
      },
    };
  },
};
