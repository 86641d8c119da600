import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSecretFile, repoRoot } from '@platform/process-runner';
import type { RejectedEntry } from '@platform/service-kit';
import { startMonitorProcess, type MonitorProcess } from './monitor-process';
import { renderPrometheusConfig, type PrometheusSettings } from './prometheus-config';
import { syncScrapeTargets } from './targets-sync';

export interface PrometheusOptions extends Omit<PrometheusSettings, 'ruleFiles' | 'targetsFile'> {
  /** Holds prometheus.yml, targets/, data/ (the TSDB, kept across restarts) and prometheus.log. */
  stateDir: string;
  host: string;
  port: number;
  /** The Consul agent (host:port) whose catalog says what to scrape. */
  consulAddr: string;
  /** File holding the read-only ACL token the target sync queries Consul with. */
  consulTokenFile?: string;
  retention: string;
  ruleFiles?: string[];
  binary?: string;
  startTimeoutMs?: number;
  onDiscoveryError?(error: Error): void;
  onDiscoveryRecovered?(): void;
  /** A catalog entry whose strings are unsafe, left out of the targets; told once per entry. */
  onDiscoveryRejected?(entry: RejectedEntry): void;
}

/** The platform's alert rules, shipped in the repository. */
export const platformRuleFiles = (): string[] => [join(repoRoot, 'platform', 'monitoring', 'rules', 'platform-alerts.yml')];

/** Starts Prometheus and the Consul watch that feeds it targets; returns once it is ready. */
export async function startPrometheus(options: PrometheusOptions): Promise<MonitorProcess> {
  mkdirSync(join(options.stateDir, 'data'), { recursive: true });
  const targetsFile = join(options.stateDir, 'targets', 'consul.json');
  const consulToken = options.consulTokenFile ? readSecretFile(options.consulTokenFile, 'the monitoring Consul token file') : undefined;
  const targets = syncScrapeTargets({ consulAddr: options.consulAddr, consulToken, file: targetsFile, onError: options.onDiscoveryError, onRecovered: options.onDiscoveryRecovered, onRejected: options.onDiscoveryRejected });
  const configFile = join(options.stateDir, 'prometheus.yml');
  writeFileSync(configFile, renderPrometheusConfig({ ...options, targetsFile, ruleFiles: options.ruleFiles ?? platformRuleFiles() }));
  const url = `http://${options.host}:${options.port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(options.stateDir, 'data')}`,
    `--storage.tsdb.retention.time=${options.retention}`,
    `--web.listen-address=${options.host}:${options.port}`,
    `--web.external-url=${url}`,
  ];
  let prometheus: MonitorProcess;
  try {
    prometheus = await startMonitorProcess('prometheus', options.binary ?? 'prometheus', args, { url, outputFile: join(options.stateDir, 'prometheus.log'), timeoutMs: options.startTimeoutMs ?? 30_000 });
  } catch (err) {
    targets.stop();
    throw err;
  }
  return {
    ...prometheus,
    stop(graceMs) {
      targets.stop();
      return prometheus.stop(graceMs);
    },
  };
}
