export interface OpenSearchNodeConfigInput {
  clusterName: string;
  nodeName: string;
  /** Loopback locally; OpenSearch binds HTTP and transport to this address only. */
  host: string;
  httpPort: number;
  transportPort: number;
  dataDir: string;
  logsDir: string;
  /** A member of a cluster: where the others are; without it the node elects itself alone. */
  cluster?: OpenSearchClusterInput;
}

export interface OpenSearchClusterInput {
  /** host:transportPort of every member, this one included. */
  seedHosts: readonly string[];
  /** Every member's node name: the managers that may form the cluster the first time. */
  initialManagers: readonly string[];
}

/** Single-node discovery, or the seed hosts and the first managers of a cluster. */
function discovery(cluster: OpenSearchClusterInput | undefined): Record<string, string | string[]> {
  if (!cluster) return { 'discovery.type': 'single-node' };
  return { 'discovery.seed_hosts': [...cluster.seedHosts], 'cluster.initial_cluster_manager_nodes': [...cluster.initialManagers] };
}

/**
 * The node the platform runs: one node that elects itself (no discovery), or a member of a cluster
 * that finds the others at their seed addresses, listening on its own address (loopback locally),
 * answering Beats as Elasticsearch 7.10.2 (compatibility.override_main_response_version; without
 * it Filebeat rejects the version number), and never turning indices read-only because the
 * disk of a developer machine is fuller than a server's would be.
 */
export function renderOpenSearchConfig(input: OpenSearchNodeConfigInput): string {
  const settings: Record<string, string | number | boolean | string[]> = {
    'cluster.name': input.clusterName,
    'node.name': input.nodeName,
    'network.host': input.host,
    'http.port': input.httpPort,
    'transport.port': input.transportPort,
    ...discovery(input.cluster),
    // The jar launcher's default roles leave out ingest, which the log template's pipeline needs.
    'node.roles': ['cluster_manager', 'data', 'ingest'],
    'path.data': input.dataDir,
    'path.logs': input.logsDir,
    'compatibility.override_main_response_version': true,
    'cluster.routing.allocation.disk.threshold_enabled': false,
    // Indices are created by Filebeat's first bulk request for a day; templates decide the mapping.
    'action.auto_create_index': true,
    // Deleting expired daily indices by pattern (retention) needs wildcards.
    'action.destructive_requires_name': false,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n`;
}

/** OpenSearch's own log goes to stdout (captured in opensearch.log by the launcher), WARN and up. */
export const LOG4J2_PROPERTIES = `status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
logger.node.name = org.opensearch.node.Node
logger.node.level = info
`;
