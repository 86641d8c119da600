import { PlatformError, SERVICE_NAME } from '@platform/process-runner';
import { ROLLOUT_KV_ROOT } from './rollout-record';

/**
 * Who may do what in Consul: one token per role, each with the least it needs. Pure data, so the
 * rules are unit-tested and the same for `platform up` and the cloud's consul servers.
 *
 * Token names are also file names (a node's CONSUL_TOKENS_DIR, the cloud's SSM
 * /<name>/consul/tokens/<token>): `agent`, `lb-controller`, `gateway`, `monitoring`, `postgres`,
 * `patroni`, the operator writers `flags-writer` and `deployer`, the operator reader `reader`, and
 * `service-<service>` for every other service. The management token mints them and does nothing else.
 *
 * The anonymous token (requests without a token, and DNS, which has no token of its own here)
 * gets nothing: the platform's processes all carry their own token and nothing in the platform
 * resolves names through Consul DNS, while a catalog readable without a token would hand every
 * local process the address, port and meta of every instance.
 */

/** Where load-balancer controllers confirm drains: `<DRAIN_KV_ROOT><service>/<instance>/<controller>`. */
export const DRAIN_KV_ROOT = 'platform/drain/';

/**
 * Feature flags: `<FLAGS_KV_ROOT><name>`, read by every service's instances, written by
 * `platform flags set` with the `flags-writer` token alone. The kit keeps the same prefix
 * (service-kit flags/flag-value.ts).
 */
export const FLAGS_KV_ROOT = 'platform/flags/';

/** Patroni's namespace in KV (its `namespace` setting): leader lock, members, config, history. */
export const PATRONI_KV_ROOT = 'patroni/';

/** `platform flags set`'s token: write on FLAGS_KV_ROOT and nothing else. */
export const FLAGS_WRITER_TOKEN = 'flags-writer';

/** The supervisor's token for deploys: write on the rollout records, read the catalog, register its metrics. */
export const DEPLOYER_TOKEN = 'deployer';

/** The CLI's read commands' token (status, flags get/list, db status, the console): reads, never writes. */
export const READER_TOKEN = 'reader';

/** The Consul service the supervisor's deploy metrics are registered as (one per node). */
export const DEPLOY_METRICS_SERVICE = 'platform-deploys';

const TOKEN_NAME = new RegExp(`^(agent|lb-controller|gateway|monitoring|postgres|patroni|${FLAGS_WRITER_TOKEN}|${DEPLOYER_TOKEN}|${READER_TOKEN}|service-${SERVICE_NAME.source.slice(1, -1)})$`);

/** Services whose token carries the service's own name rather than `service-<name>` (the SSM layout). */
const NAMED_SERVICE_TOKENS = new Set(['gateway', 'postgres', 'lb-controller']);

export const isTokenName = (name: string): boolean => TOKEN_NAME.test(name);

/** The token a service's instances run with. */
export function serviceTokenName(service: string): string {
  if (!SERVICE_NAME.test(service)) throw new PlatformError('PLATFORM_INVALID_NAME', `${JSON.stringify(service)} is not a service name (lower-case letters, digits and dashes, at most 63)`);
  return NAMED_SERVICE_TOKENS.has(service) ? service : `service-${service}`;
}

export interface TokenSpec {
  description: string;
  /** A policy of the token's own, created (or brought up to date) with it. */
  policy?: { name: string; rules: string };
  serviceIdentities: string[];
  nodeIdentities: { NodeName: string; Datacenter: string }[];
}

export interface TokenContext {
  datacenter: string;
  /** For the agent token of one known node (local); without it the agent token is shared by a pool. */
  nodeName?: string;
}

/** The exporter that runs beside Prometheus on the monitoring token. */
export const CLUSTER_HEALTH_SERVICE = 'cluster-health';

const CATALOG_READ = 'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\n';
const drainWrite = (prefix: string): string => `key_prefix "${prefix}" { policy = "write" }\n`;
const FLAGS_READ = `key_prefix "${FLAGS_KV_ROOT}" { policy = "read" }\n`;

/** A service's instances: register, check, drain and deregister themselves, read the catalog and the feature flags. */
function serviceSpec(service: string): TokenSpec {
  return {
    description: `platform: instances of ${service}`,
    policy: { name: `platform-drain-${service}`, rules: `${drainWrite(`${DRAIN_KV_ROOT}${service}/`)}${FLAGS_READ}` },
    serviceIdentities: [service],
    nodeIdentities: [],
  };
}

export function tokenSpec(name: string, context: TokenContext): TokenSpec {
  if (!isTokenName(name)) throw new PlatformError('PLATFORM_INVALID_NAME', `${JSON.stringify(name)} is not a platform Consul token name`);
  switch (name) {
    case 'agent':
      // A node identity names one node; terraform's node pools share one agent token, so there
      // it may write any node (the agent's own catalog entry) and read services, nothing else.
      return context.nodeName
        ? { description: `platform: agent of ${context.nodeName}`, serviceIdentities: [], nodeIdentities: [{ NodeName: context.nodeName, Datacenter: context.datacenter }] }
        : { description: 'platform: agents', policy: { name: 'platform-agent', rules: 'node_prefix "" { policy = "write" }\nservice_prefix "" { policy = "read" }\n' }, serviceIdentities: [], nodeIdentities: [] };
    case 'lb-controller':
      // Reads the rollout records (traffic splits); only the `deployer` token writes them.
      return {
        description: 'platform: load-balancer controllers',
        policy: { name: 'platform-lb-controller', rules: `${drainWrite(DRAIN_KV_ROOT)}key_prefix "${ROLLOUT_KV_ROOT}" { policy = "read" }\n${CATALOG_READ}` },
        serviceIdentities: ['lb-controller'],
        nodeIdentities: [],
      };
    case 'patroni':
      // Patroni keeps the cluster's state under its namespace, holds the leader lock through a
      // session, and registers each member as service `patroni` (its liveness check).
      return {
        description: 'platform: Patroni (the database cluster manager)',
        policy: { name: 'platform-patroni', rules: `key_prefix "${PATRONI_KV_ROOT}" { policy = "write" }\nsession_prefix "" { policy = "write" }\n` },
        serviceIdentities: ['patroni'],
        nodeIdentities: [],
      };
    case FLAGS_WRITER_TOKEN:
      // Write includes read (the command shows the value it replaces); no catalog, no other key.
      return { description: 'platform: feature flag writer (platform flags set)', policy: { name: 'platform-flags-writer', rules: `key_prefix "${FLAGS_KV_ROOT}" { policy = "write" }\n` }, serviceIdentities: [], nodeIdentities: [] };
    case DEPLOYER_TOKEN:
      // The service identity registers the deploy metrics endpoint and reads the catalog (which
      // instances pass, where to scrape them); the policy adds the rollout records alone.
      return {
        description: 'platform: deploys (rollout records)',
        policy: { name: 'platform-deployer', rules: `key_prefix "${ROLLOUT_KV_ROOT}" { policy = "write" }\n` },
        serviceIdentities: [DEPLOY_METRICS_SERVICE],
        nodeIdentities: [],
      };
    case READER_TOKEN:
      // What the read commands show: the catalog and health (status, the console, db status's
      // Patroni members, new service's name check), the flags, the raft peers (status). No write,
      // no `acl`: it cannot see or make another token.
      return {
        description: 'platform: read-only commands (platform status, flags get/list, db status, console)',
        policy: { name: 'platform-reader', rules: `${CATALOG_READ}${FLAGS_READ}operator = "read"\n` },
        serviceIdentities: [],
        nodeIdentities: [],
      };
    case 'monitoring': {
      // Prometheus's target sync reads the catalog; the cluster-health exporter beside it is an
      // instance like any other: it registers, drains (reads the controllers' confirmations, clears
      // them) and deregisters itself.
      const exporter = serviceSpec(CLUSTER_HEALTH_SERVICE);
      return {
        description: 'platform: Prometheus target sync and the cluster-health exporter',
        policy: { name: 'platform-monitoring', rules: `${CATALOG_READ}${exporter.policy?.rules ?? ''}` },
        serviceIdentities: exporter.serviceIdentities,
        nodeIdentities: [],
      };
    }
    default:
      return serviceSpec(name.startsWith('service-') ? name.slice('service-'.length) : name);
  }
}
