import { isIPv4 } from 'node:net';
import { quoteForLog, watchServices, type Logger, type WatchedInstance } from '@platform/service-kit';
import type { Listener } from './render-config';
import type { EdgeSettings } from './render-edge';

/**
 * Edges find each other in Consul: every edge controller registers (as the kit's `lb-controller`,
 * tag `edge`) with the port its HAProxy's `peers` listener takes in this meta key, on the address
 * it registers with. The other edges read those entries and share the per-client table with them.
 */
export const EDGE_PEER_PORT_META = 'edge-peer-port';

/**
 * Where a peer listens. An edge that shares no table (no EDGE_PEER_PORT) is its own only peer on an
 * abstract Unix socket: no port to pick, and reachable from the workers' empty chroot, which a
 * socket file would not be. Other edges are TCP peers.
 */
export type PeerAddress = Listener | { abstractSocket: string };

export interface PeerMember {
  name: string;
  addr: PeerAddress;
}

/** A peer's address as haproxy.cfg writes it. */
export const formatPeerAddress = (addr: PeerAddress): string => ('abstractSocket' in addr ? `abns@${addr.abstractSocket}` : `${addr.host}:${addr.port}`);

export interface EdgePeers {
  /** This edge's own name among its peers (HAProxy's `localpeer`): its controller's instance id. */
  self: string;
  /**
   * Every edge sharing the table, this one included, sorted by name. This edge is always among
   * them: HAProxy hands the table from the old worker to the new one at a reload through the
   * local peer, so without one a reload would empty it.
   */
  members: PeerMember[];
}

/** A peer name goes into haproxy.cfg: narrower than Consul's instance ids (no `:` or `@`). */
export const PEER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** An instance that is not a usable peer, and why; undefined when it is one. */
function peerProblem(instance: WatchedInstance): string | undefined {
  if (!PEER_NAME.test(instance.id)) return 'its instance id is not a peer name ([A-Za-z0-9._-], at most 64)';
  // HAProxy resolves a peer's address once, when it loads the configuration: only IPv4 addresses (no brackets to get wrong).
  if (!isIPv4(instance.address)) return 'its address is not an IPv4 address';
  return undefined;
}

/**
 * The members the catalog names: edge controllers that pass (or warn) and declare a peer port,
 * with `self` always among them (this edge is in its own section before Consul lists it). Entries
 * that cannot be peers are told to `rejected` and left out; a name seen twice keeps its first entry.
 */
export function peersFromCatalog(instances: readonly WatchedInstance[], self: PeerMember, rejected?: (instance: WatchedInstance, reason: string) => void): PeerMember[] {
  const members = new Map<string, PeerMember>([[self.name, self]]);
  for (const instance of instances) {
    const port = instance.meta[EDGE_PEER_PORT_META];
    if (!instance.tags.includes('edge') || port === undefined || instance.id === self.name) continue;
    if (instance.health !== 'passing' && instance.health !== 'warning') continue;
    const problem = peerProblem(instance);
    if (problem) {
      rejected?.(instance, problem);
      continue;
    }
    if (!members.has(instance.id)) members.set(instance.id, { name: instance.id, addr: { host: instance.address, port: Number(port) } });
  }
  return [...members.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** One line per member: two lists with the same key render the same `peers` section. */
export const membershipKey = (members: readonly PeerMember[]): string => members.map((m) => `${m.name} ${formatPeerAddress(m.addr)}`).join('\n');

export interface FollowEdgePeersOptions {
  consulAddr: string;
  consulToken?: string;
  peers: EdgePeers;
  logger: Logger;
  /** Called only when the membership differs from the last one (HAProxy 2.6 needs a reload for it). */
  onMembers(members: PeerMember[]): void;
}

/**
 * Follows the other edges through the process's shared catalog watcher (one more subscriber, no
 * new connection to Consul) and tells `onMembers` each time the set of peers changes. `firstRead`
 * resolves with the members of the first answer (or this edge alone after `timeoutMs`): an edge
 * that starts its HAProxy with the others already named asks them for the whole table at once,
 * while one that only learns them at a reload would see just the counts changed after it.
 */
export function followEdgePeers(options: FollowEdgePeersOptions): { firstRead(timeoutMs: number): Promise<PeerMember[]>; stop(): void } {
  const self = options.peers.members.find((m) => m.name === options.peers.self);
  if (!self) throw new Error(`the edge's own peer ${options.peers.self} is not among its members`);
  let current = options.peers.members;
  let firstSeen: (members: PeerMember[]) => void = () => undefined;
  const first = new Promise<PeerMember[]>((resolve) => (firstSeen = resolve));
  const told = new Set<string>();
  const rejected = (instance: WatchedInstance, reason: string): void => {
    if (told.has(instance.id)) return;
    told.add(instance.id);
    options.logger.warn('edge peer ignored: it is never added to the peers section', { instanceId: quoteForLog(instance.id), address: quoteForLog(instance.address), reason });
  };
  const watch = watchServices({
    httpAddr: options.consulAddr,
    token: options.consulToken,
    include: (service) => service === 'lb-controller',
    onChange: (snapshot) => {
      const members = peersFromCatalog(snapshot.services.get('lb-controller') ?? [], self, rejected);
      firstSeen(members);
      if (membershipKey(members) === membershipKey(current)) return;
      current = members;
      options.logger.info('edge peers changed', { index: snapshot.index, peers: members.map((m) => m.name) });
      options.onMembers(members);
    },
  });
  return {
    firstRead: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const alone = new Promise<PeerMember[]>((resolve) => (timer = setTimeout(() => resolve(current), timeoutMs)));
      try {
        return await Promise.race([first, alone]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: () => watch.stop(),
  };
}

/** The same edge settings with another `peers` membership. */
export const withPeers = (edge: EdgeSettings, peers: EdgePeers): EdgeSettings => ({ ...edge, gateway: { ...edge.gateway, peers } });
