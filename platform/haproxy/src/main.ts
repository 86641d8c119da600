import { join } from 'node:path';
import { z } from 'zod';
import { MAX_REPLICA_LAG_VAR, env, maxReplicaLagVar, runMain } from '@platform/service-kit';
import { EDGE_PEER_PORT_META, followEdgePeers, withPeers } from './edge-peers';
import { edgeConfigShape, edgeSettings } from './edge-settings';
import { shipEdgeSpans } from './edge-spans';
import { LbController } from './lb-controller';
import { followsMeta } from './roles';
import { createLbMetrics } from './lb-metrics';
import { workerPrivileges } from './privileges';

/** How long a starting edge waits for Consul to name the other edges before it starts alone. */
const FIRST_PEERS_READ_MS = 5_000;

/**
 * The sync controller of one HAProxy, itself a service on the kit: registered in Consul as
 * `lb-controller` (meta `follows-only` on the database one) so instances know whose drain confirmation to wait for,
 * with /metrics, /health/* and /lb/state (its view beside HAProxy's).
 */
runMain({
  name: 'lb-controller',
  version: '0.1.0',
  featureFlags: false,
  config: {
    LB_ROLE: z.enum(['edge', 'internal', 'db']),
    LB_BIND: env.hostPortVar,
    /** db role: the read listener (LB_BIND is the write listener). */
    LB_READ_BIND: env.hostPortVar.optional(),
    /** db role: replicas further behind than this leave the read set. */
    [MAX_REPLICA_LAG_VAR]: maxReplicaLagVar,
    /** HAProxy worker threads (nbthread). */
    LB_THREADS: env.integerVar(1, 64).default('1'),
    /** Pasted into haproxy.cfg (sockets, chroot, the edge's PEM): nothing that could end a word or a line. */
    LB_STATE_DIR: z.string().regex(/^\/[A-Za-z0-9._/+-]+$/, 'must be an absolute path of letters, digits and ._/+-'),
    ...edgeConfigShape,
    /** At most one structural reload per this many ms: a burst of new services shares one reload. */
    LB_RELOAD_MIN_INTERVAL_MS: env.integerVar(0, 60_000).default('1000'),
  },
  async setup({ app, config, consul, consulToken, logger, metrics }) {
    const controllerId = config.INSTANCE_ID ?? `lb-${config.LB_ROLE}-${config.NODE_NAME}`;
    const consulAddr = `${config.CONSUL_HTTP_ADDR.host}:${config.CONSUL_HTTP_ADDR.port}`;
    // An edge's peers listener is on the address it registers with, under its instance id.
    const edge = config.LB_ROLE === 'edge' ? edgeSettings(config, config.LB_STATE_DIR, { name: controllerId, host: config.SERVICE_ADDRESS ?? config.HOST }) : undefined;
    const privileges = workerPrivileges(config.LB_STATE_DIR);
    // Only an edge with a peer port shares its table (and follows the others); every edge has its own local peer.
    const peers = config.EDGE_PEER_PORT !== undefined ? edge?.gateway.peers : undefined;
    // Filled once the first read of the peers has named the controller's starting members.
    const started: { controller?: LbController } = {};
    // Peers cannot change at run time in HAProxy 2.6: a new membership is a reload, through the controller's gate.
    const peerWatch = edge && peers
      ? followEdgePeers({ consulAddr, consulToken, peers, logger, onMembers: (members) => started.controller?.rerender({ edge: withPeers(edge, { self: peers.self, members }), privileges }) })
      : undefined;
    const members = await peerWatch?.firstRead(FIRST_PEERS_READ_MS);
    const haproxyLog = config.LB_ROLE === 'edge' && config.LOG_DIR ? join(config.LOG_DIR, 'edge', `${controllerId}.log`) : undefined;
    const controller = new LbController({
      role: config.LB_ROLE,
      bind: config.LB_BIND,
      readBind: config.LB_READ_BIND,
      replicaMaxLagMs: config[MAX_REPLICA_LAG_VAR],
      threads: config.LB_THREADS,
      stateDir: config.LB_STATE_DIR,
      // The edge's one JSON line per request sits beside the services' logs, where Filebeat ships them from.
      haproxyLog,
      consulAddr,
      consulToken,
      minReloadIntervalMs: config.LB_RELOAD_MIN_INTERVAL_MS,
      controllerId,
      consul,
      logger,
      metrics: createLbMetrics(metrics.registry),
      render: { edge: edge && peers && members ? withPeers(edge, { self: peers.self, members }) : edge, privileges },
    });
    started.controller = controller;
    await controller.start();
    // The edge's hop in each trace, from its log line (edge-spans.ts).
    const edgeSpans = haproxyLog && config.TRACING_OTLP_URL ? shipEdgeSpans({ logFile: haproxyLog, otlpUrl: config.TRACING_OTLP_URL, instanceId: controllerId, logger }) : undefined;
    app.get('/lb/state', async () => controller.describe());
    return {
      readiness: [{ name: 'haproxy', check: async () => controller.isHealthy() }],
      // What it follows (instances wait only for the controllers that route them); the other
      // edges find this one's peers listener by its port meta.
      registration: { meta: { ...followsMeta(config.LB_ROLE), ...(peers && config.EDGE_PEER_PORT ? { [EDGE_PEER_PORT_META]: String(config.EDGE_PEER_PORT) } : {}) } },
      close: async () => {
        peerWatch?.stop();
        await controller.stop();
        await edgeSpans?.stop();
      },
    };
  },
});
