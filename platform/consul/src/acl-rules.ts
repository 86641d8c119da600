import { PlatformError } from '@platform/process-runner';

/**
 * Who may do what in Consul: one token per role, each with the least it needs. Pure data, so the
 * rules are unit-tested and the same for `platform up` and the cloud's consul servers.
 *
 * Token names are also file names (a node's CONSUL_TOKENS_DIR, the cloud's SSM
 * /<name>/consul/tokens/<token>): `agent`, `lb-controller`, `gateway`, `monitoring`, `postgres`,
 * `patroni`, and `service-<service>` for every other service.
 *
 * The anonymous token (requests without a token, and DNS, which has no token of its own here)
 * gets nothing: the platform's processes all carry their own token and nothing in the platform
 * resolves names through Consul DNS, while a catalog readable without a token would hand every
 * local process the address, port and meta of every instance.
 */

/** Where load-balancer controllers confirm drains: `<DRAIN_KV_ROOT><service>/<instance>/<controller>`. */
export const DRAIN_KV_ROOT = 'platform/drain/';

/** Patroni's namespace in KV (its `namespace` setting): leader lock, members, config, history. */
export const PATRONI_KV_ROOT = 'patroni/';

const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TOKEN_NAME = /^(agent|lb-controller|gateway|monitoring|postgres|patroni|service-[a-z0-9][a-z0-9-]{0,62})$/;

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

const CATALOG_READ = 'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\n';
const drainWrite = (prefix: string): string => `key_prefix "${prefix}" { policy = "write" }\n`;

/** A service's instances: register, check, drain and deregister themselves, read the catalog. */
function serviceSpec(service: string): TokenSpec {
  return {
    description: `platform: instances of ${service}`,
    policy: { name: `platform-drain-${service}`, rules: drainWrite(`${DRAIN_KV_ROOT}${service}/`) },
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
      return {
        description: 'platform: load-balancer controllers',
        policy: { name: 'platform-lb-controller', rules: `${drainWrite(DRAIN_KV_ROOT)}${CATALOG_READ}` },
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
    case 'monitoring':
      return { description: 'platform: Prometheus target sync', policy: { name: 'platform-catalog-read', rules: CATALOG_READ }, serviceIdentities: [], nodeIdentities: [] };
    default:
      return serviceSpec(name.startsWith('service-') ? name.slice('service-'.length) : name);
  }
}
