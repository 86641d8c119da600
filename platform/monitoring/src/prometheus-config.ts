/** What Prometheus scrapes and where it sends alerts; rendered to the config file it reads. */
export interface PrometheusSettings {
  /** The file_sd file the Consul watch keeps (targets-sync.ts). */
  targetsFile: string;
  /** Alertmanagers (host:port) that receive what fires. */
  alertmanagers: string[];
  ruleFiles: string[];
  scrapeIntervalS: number;
  evaluationIntervalS: number;
}

/**
 * Prometheus reads YAML, and JSON is YAML: the config is built as a typed object and written as
 * JSON, so no template can produce a malformed file.
 */
export function renderPrometheusConfig(settings: PrometheusSettings): string {
  const config = {
    global: {
      scrape_interval: `${settings.scrapeIntervalS}s`,
      // Below the interval, so one slow scrape cannot overlap the next.
      scrape_timeout: `${Math.max(1_000, Math.min(settings.scrapeIntervalS * 1_000, 10_000) - 500)}ms`,
      evaluation_interval: `${settings.evaluationIntervalS}s`,
    },
    rule_files: settings.ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: settings.alertmanagers }] }] },
    scrape_configs: [
      {
        job_name: 'platform-services',
        // The kit labels its own series with service and instance; they name the same thing.
        honor_labels: true,
        file_sd_configs: [{ files: [settings.targetsFile] }],
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
