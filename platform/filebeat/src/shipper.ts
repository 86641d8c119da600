import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { platformBin, repoRoot, startUntilReady, type ExitStatus } from '@platform/process-runner';

export interface FilebeatOptions {
  /** Holds data/ (the registry: how far every file was shipped; kept across restarts) and filebeat.log. */
  stateDir: string;
  /** The node's log folder: every `<service>/<instance>.log` under it is shipped. */
  logDir: string;
  /** The search store, http://host:port, or every node of a cluster comma-separated. */
  storeUrl: string;
  indexPrefix?: string;
  /** Loopback port of Filebeat's stats endpoint. */
  httpPort: number;
  binary?: string;
  configFile?: string;
  startTimeoutMs?: number;
}

export interface FilebeatStats {
  /** Lines read from the files. */
  read: number;
  /** Lines the store acknowledged (duplicates it rejected included). */
  acked: number;
  /** Lines the store refused for good (a mapping conflict): they are not in the index. */
  dropped: number;
  /** Lines sent again that the store already had (same id): kept once, counted here. */
  duplicates: number;
}

export interface Filebeat {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  stats(): Promise<FilebeatStats>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

export const defaultFilebeatConfig = (): string => join(repoRoot, 'platform', 'filebeat', 'filebeat.yml');

/** Starts Filebeat (built by platform/filebeat/install.sh) with the platform's config template. */
export async function startFilebeat(options: FilebeatOptions): Promise<Filebeat> {
  // Filebeat looks for its modules folder under path.home; an empty one keeps it from complaining.
  mkdirSync(join(options.stateDir, 'module'), { recursive: true });
  mkdirSync(join(options.stateDir, 'data'), { recursive: true });
  const args = [
    '-e',
    '-c',
    options.configFile ?? defaultFilebeatConfig(),
    '--path.home',
    options.stateDir,
    '--path.data',
    join(options.stateDir, 'data'),
    '--path.logs',
    join(options.stateDir, 'logs'),
    // The config template is in the repository, whose file modes Filebeat does not control.
    '--strict.perms=false',
  ];
  const env = {
    PATH: process.env.PATH,
    PLATFORM_LOG_DIR: options.logDir,
    LOG_STORE_URL: options.storeUrl,
    LOG_INDEX_PREFIX: options.indexPrefix ?? 'platform-logs',
    FILEBEAT_HTTP_PORT: String(options.httpPort),
  };
  const statsUrl = `http://127.0.0.1:${options.httpPort}/stats`;
  const stats = async (): Promise<FilebeatStats> => {
    const res = await fetch(statsUrl);
    const body = (await res.json()) as { filebeat?: { events?: { added?: number } }; libbeat?: { output?: { events?: { acked?: number; dropped?: number; duplicates?: number } } } };
    const output = body.libbeat?.output?.events;
    return { read: body.filebeat?.events?.added ?? 0, acked: output?.acked ?? 0, dropped: output?.dropped ?? 0, duplicates: output?.duplicates ?? 0 };
  };
  const child = await startUntilReady(options.binary ?? platformBin('filebeat'), args, {
    env,
    outputFile: join(options.stateDir, 'filebeat.log'),
    detached: true,
    what: 'filebeat',
    ready: () => stats().then(() => true),
    timeoutMs: options.startTimeoutMs ?? 20_000,
    reason: exitReason,
    stopOnFailure: (c) => c.stop(2_000),
  });
  return { pid: child.pid, exited: child.exited, stats, stop: (graceMs = 10_000) => child.stop(graceMs) };
}

/** Filebeat states why it gave up in its last "Exiting:" line; the caller's error should say it too. */
function exitReason(output: string): string | undefined {
  return output
    .split('\n')
    .filter((line) => line.startsWith('Exiting:'))
    .pop();
}
