/**
 * Which services a change of Consul's catalog touched, worked out from small catalog-wide answers
 * so that only those services are fetched again, whatever the size of the catalog:
 * - the checks that are not passing (`/v1/health/state/any?filter=Status != "passing"`): a
 *   service whose failing checks appear or vanish flipped (critical, maintenance, recovered);
 * - `/v1/catalog/services`: names with their tags;
 * - each node's registrations (`/v1/catalog/node-services/<node>`), read when the registrations
 *   moved: an instance that came, went or was registered again (another address, port or meta).
 */
export interface StateCheck {
  Node: string;
  CheckID: string;
  Status: string;
  ServiceID: string;
  ServiceName: string;
}

/** The failing checks of the catalog, and what changed in them between two answers. */
export class ProblemChecks {
  private byService = new Map<string, string>();
  private byNode = new Map<string, string>();

  update(checks: readonly StateCheck[]): { services: Set<string>; nodes: Set<string> } {
    const services = new Map<string, string[]>();
    const nodes = new Map<string, string[]>();
    for (const check of checks) {
      if (check.ServiceName) services.set(check.ServiceName, [...(services.get(check.ServiceName) ?? []), `${check.Node}/${check.ServiceID}/${check.CheckID}=${check.Status}`]);
      else nodes.set(check.Node, [...(nodes.get(check.Node) ?? []), `${check.CheckID}=${check.Status}`]);
    }
    const changed = { services: diff(this.byService, fingerprints(services)), nodes: diff(this.byNode, fingerprints(nodes)) };
    this.byService = fingerprints(services);
    this.byNode = fingerprints(nodes);
    return changed;
  }
}

const fingerprints = (groups: Map<string, string[]>): Map<string, string> => new Map([...groups].map(([key, items]) => [key, items.sort().join(',')]));

const diff = (before: Map<string, string>, after: Map<string, string>): Set<string> => new Set([...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key)));

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

/** One registration as /v1/catalog/node-services lists it (only what tells a change). */
export interface NodeRegistration {
  ID: string;
  Service: string;
  ModifyIndex: number;
}

/** Instance (`node/id`) → the raft index of its registration. */
export type RegistrationIndexes = Map<string, number>;

/** Every registration of the catalog by service, as the last read of each node's services found it. */
export class Registrations {
  private byService = new Map<string, RegistrationIndexes>();

  replace(nodes: readonly { node: string; services: readonly NodeRegistration[] }[]): void {
    const byService = new Map<string, RegistrationIndexes>();
    for (const { node, services } of nodes) {
      for (const r of services) byService.set(r.Service, (byService.get(r.Service) ?? new Map()).set(`${node}/${r.ID}`, r.ModifyIndex));
    }
    this.byService = byService;
  }

  /** True when the registrations of `service` differ from `known` (what the last fetch of it saw). */
  differ(service: string, known: RegistrationIndexes | undefined): boolean {
    const now = this.byService.get(service) ?? new Map<string, number>();
    if (!known) return true;
    return now.size !== known.size || [...now].some(([instance, index]) => known.get(instance) !== index);
  }

  services(): string[] {
    return [...this.byService.keys()];
  }

  /** The instances (node and id) registered under a service name. */
  instancesOf(service: string): { node: string; id: string }[] {
    return [...(this.byService.get(service)?.keys() ?? [])].map((key) => ({ node: key.slice(0, key.indexOf('/')), id: key.slice(key.indexOf('/') + 1) }));
  }
}

/** Reads every node's registrations: one request for the node list, one per node. */
export async function readRegistrations(get: (path: string) => Promise<unknown>): Promise<{ node: string; services: NodeRegistration[] }[]> {
  const nodes = ((await get('/v1/catalog/nodes')) as { Node: string }[]).map((n) => n.Node);
  const read: { node: string; services: NodeRegistration[] }[] = [];
  for (const node of nodes) read.push({ node, services: ((await get(`/v1/catalog/node-services/${encodeURIComponent(node)}`)) as { Services: NodeRegistration[] } | null)?.Services ?? [] });
  return read;
}
