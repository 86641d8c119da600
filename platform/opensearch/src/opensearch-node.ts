import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { platformHome, startUntilReady, type ExitStatus } from '@platform/process-runner';
import { LOG4J2_PROPERTIES, renderOpenSearchConfig, type OpenSearchClusterInput } from './node-config';

export interface OpenSearchNodeOptions {
  /** Holds config/, data/ (kept across restarts) and opensearch.log. */
  stateDir: string;
  httpPort: number;
  transportPort: number;
  host?: string;
  nodeName?: string;
  /** JVM heap, both -Xms and -Xmx, e.g. 512m. */
  heap?: string;
  /** Where install.sh put the jars and the launcher; $PLATFORM_HOME/opensearch by default. */
  installDir?: string;
  startTimeoutMs?: number;
}

/**
 * One member of a log store cluster, as a local `--ha` platform and a cloud `logstore` node start
 * it: its own address and name, the same ports on every member, the others' transport addresses.
 */
export interface LogStoreMemberSettings extends OpenSearchNodeOptions {
  host: string;
  nodeName: string;
  cluster: OpenSearchClusterInput;
}

export interface OpenSearchNode {
  readonly url: string;
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  stop(graceMs?: number): Promise<ExitStatus>;
}

export const openSearchInstallDir = (): string => join(platformHome(), 'opensearch');

/** Starts a lone OpenSearch node (single-node discovery) from the jars platform/opensearch/install.sh resolved. */
export function startOpenSearchNode(options: OpenSearchNodeOptions): Promise<OpenSearchNode> {
  return startNode(options, undefined);
}

/**
 * Starts one member of a cluster and resolves once it serves: the cluster has a manager and is at
 * least yellow. The first members of a new cluster wait for each other, so start them together.
 */
export function startLogStoreMember(settings: LogStoreMemberSettings): Promise<OpenSearchNode> {
  return startNode(settings, settings.cluster);
}

async function startNode(options: OpenSearchNodeOptions, cluster: OpenSearchClusterInput | undefined): Promise<OpenSearchNode> {
  const installDir = options.installDir ?? openSearchInstallDir();
  if (!existsSync(join(installDir, 'classes', 'PlatformOpenSearch.class'))) {
    throw new Error(`OpenSearch is not installed in ${installDir}; run platform/opensearch/install.sh`);
  }
  const host = options.host ?? '127.0.0.1';
  const configDir = join(options.stateDir, 'config');
  const dataDir = join(options.stateDir, 'data');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const config = { clusterName: 'platform-logs', nodeName: options.nodeName ?? 'node-1', host, httpPort: options.httpPort, transportPort: options.transportPort, dataDir, logsDir: join(options.stateDir, 'logs'), cluster };
  writeFileSync(join(configDir, 'opensearch.yml'), renderOpenSearchConfig(config));
  writeFileSync(join(configDir, 'log4j2.properties'), LOG4J2_PROPERTIES);

  const heap = options.heap ?? '512m';
  const args = [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    '-Dlog4j2.disable.jmx=true',
    '-Dfile.encoding=UTF-8',
    '-cp',
    `${join(installDir, 'classes')}:${join(installDir, 'lib', '*')}`,
    'PlatformOpenSearch',
    join(options.stateDir, 'home'),
    configDir,
  ];
  const url = `http://${host}:${options.httpPort}`;
  const child = await startUntilReady('java', args, {
    outputFile: join(options.stateDir, 'opensearch.log'),
    detached: true,
    what: `opensearch at ${url}`,
    ready: () => isServing(url),
    timeoutMs: options.startTimeoutMs ?? 90_000,
    intervalMs: 500,
  });
  return { url, pid: child.pid, exited: child.exited, stop: (graceMs = 20_000) => child.stop(graceMs) };
}

/** Serving means the cluster is at least yellow: the node elected itself and recovered its indices. */
async function isServing(url: string): Promise<boolean> {
  const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
  return res.ok;
}
