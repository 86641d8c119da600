/**
 * Which services a change of Consul's catalog touched, worked out from the two catalog-wide
 * answers the watcher blocks on, so that only those services are fetched again:
 * - `/v1/health/state/any`: every check; a service whose checks appeared, vanished or were
 *   modified since the last answer changed (a new instance, a flip, a deregistration);
 * - `/v1/catalog/services`: every name with its tags; a name that came or went changed.
 * A catalog move that neither explains (a re-registration that changed only meta or an address)
 * makes the watcher look at every service it follows.
 */
export interface StateCheck {
  Node: string;
  CheckID: string;
  Status: string;
  ServiceID: string;
  ServiceName: string;
  ModifyIndex: number;
}

export class CheckIndex {
  /** service → its checks' identities (node/instance/check), to see instances come and go. */
  private members = new Map<string, string>();
  /** node → its node-level checks' statuses (serf health, node maintenance). */
  private nodeChecks = new Map<string, string>();
  private nodesOf = new Map<string, Set<string>>();
  private seenIndex = 0;
  /** The highest raft index at which a check was modified or removed, as far as answers showed. */
  lastCheckChange = 0;

  /** Services whose checks changed since the previous answer; every service on the first. */
  update(checks: StateCheck[], index: number): Set<string> {
    const changed = new Set<string>();
    const members = new Map<string, string[]>();
    const nodeChecks = new Map<string, string[]>();
    const nodesOf = new Map<string, Set<string>>();
    for (const check of checks) {
      if (!check.ServiceName) {
        nodeChecks.set(check.Node, [...(nodeChecks.get(check.Node) ?? []), `${check.CheckID}=${check.Status}`]);
        continue;
      }
      members.set(check.ServiceName, [...(members.get(check.ServiceName) ?? []), `${check.Node}/${check.ServiceID}/${check.CheckID}`]);
      nodesOf.set(check.ServiceName, (nodesOf.get(check.ServiceName) ?? new Set()).add(check.Node));
      if (check.ModifyIndex > this.seenIndex) {
        changed.add(check.ServiceName);
        this.lastCheckChange = Math.max(this.lastCheckChange, check.ModifyIndex);
      }
    }
    const prints = new Map([...members].map(([service, ids]) => [service, ids.sort().join(',')]));
    for (const service of new Set([...prints.keys(), ...this.members.keys()])) {
      if (prints.get(service) === this.members.get(service)) continue;
      changed.add(service);
      // Checks that vanish leave no ModifyIndex behind: the answer's index stands for them.
      this.lastCheckChange = Math.max(this.lastCheckChange, index);
    }
    const nodePrints = new Map([...nodeChecks].map(([node, states]) => [node, states.sort().join(',')]));
    for (const [service, nodes] of new Map([...this.nodesOf, ...nodesOf])) {
      if ([...nodes].some((node) => nodePrints.get(node) !== this.nodeChecks.get(node))) changed.add(service);
    }
    this.members = prints;
    this.nodeChecks = nodePrints;
    this.nodesOf = nodesOf;
    this.seenIndex = Math.max(this.seenIndex, index);
    return changed;
  }

  get index(): number {
    return this.seenIndex;
  }

  /** The instances (node and id) the checks name for a service: all that is known of one that cannot be fetched. */
  instancesOf(service: string): { node: string; id: string }[] {
    const ids = new Set((this.members.get(service) ?? '').split(',').filter(Boolean).map((member) => member.split('/').slice(0, 2).join('/')));
    return [...ids].map((member) => ({ node: member.split('/')[0] ?? '', id: member.split('/')[1] ?? '' }));
  }
}

/** Names (and their tags) from /v1/catalog/services, and which of them differ from the last answer. */
export class NameIndex {
  private tagsOf = new Map<string, string>();

  update(catalog: Record<string, string[] | null>): { changed: Set<string>; removed: Set<string> } {
    const next = new Map(Object.entries(catalog).map(([name, tags]) => [name, [...(tags ?? [])].sort().join(',')]));
    const changed = new Set([...next].filter(([name, tags]) => this.tagsOf.get(name) !== tags).map(([name]) => name));
    const removed = new Set([...this.tagsOf.keys()].filter((name) => !next.has(name)));
    this.tagsOf = next;
    return { changed, removed };
  }

  names(): string[] {
    return [...this.tagsOf.keys()];
  }

  has(name: string): boolean {
    return this.tagsOf.has(name);
  }
}
