import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAlertmanagerConfig, type AlertmanagerSettings } from './alertmanager-config';
import { startMonitorProcess, type MonitorProcess } from './monitor-process';

export interface AlertmanagerOptions extends AlertmanagerSettings {
  /** Holds alertmanager.yml, data/ (silences and notification log) and alertmanager.log. */
  stateDir: string;
  host: string;
  port: number;
  binary?: string;
  startTimeoutMs?: number;
}

/** Starts one Alertmanager, not clustered (a single node per platform); returns once it is ready. */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<MonitorProcess> {
  mkdirSync(join(options.stateDir, 'data'), { recursive: true });
  const configFile = join(options.stateDir, 'alertmanager.yml');
  writeFileSync(configFile, renderAlertmanagerConfig(options), { mode: 0o600 });
  const url = `http://${options.host}:${options.port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(options.stateDir, 'data')}`,
    `--web.listen-address=${options.host}:${options.port}`,
    `--web.external-url=${url}`,
    // An empty cluster address turns gossip off, so no port beyond the API is opened.
    '--cluster.listen-address=',
  ];
  return startMonitorProcess('alertmanager', options.binary ?? 'prometheus-alertmanager', args, { url, outputFile: join(options.stateDir, 'alertmanager.log'), timeoutMs: options.startTimeoutMs ?? 30_000 });
}
