import { body, literal, loadTerraform, type HclBody, type TerraformConfig } from '../harness/terraform';

const CLUSTER = '${local.cluster_sg}';
const roleGroup = (role: string): string => `\${local.role_sg["${role}"]}`;
const NODE_ROLES = ['consul-server', 'service', 'edge', 'database', 'monitoring'];

interface IngressRule {
  name: string;
  /** The group the rule lets traffic into. */
  into: string;
  /** A security group reference or an address range. */
  from: string;
  protocol: string;
  ports: { from: number; to: number };
}

function ingressRules(config: TerraformConfig): IngressRule[] {
  return Object.entries(config.resources.aws_vpc_security_group_ingress_rule ?? {}).map(([name, [rule]]) => {
    const r = rule as HclBody;
    const port = (key: string): number => {
      const value = literal(config, r[key]);
      if (typeof value !== 'number') throw new Error(`${name}.${key} is not a literal port: ${JSON.stringify(r[key])}`);
      return value;
    };
    return { name, into: String(r.security_group_id), from: String(r.referenced_security_group_id ?? r.cidr_ipv4), protocol: String(r.ip_protocol), ports: { from: port('from_port'), to: port('to_port') } };
  });
}

const covering = (rules: IngressRule[], port: number): IngressRule[] => rules.filter((r) => r.ports.from <= port && port <= r.ports.to);

let config: TerraformConfig;
let rules: IngressRule[];
beforeAll(async () => {
  config = await loadTerraform();
  rules = ingressRules(config);
});

test('every ingress rule is a rule of its own, for one protocol and a port range', () => {
  for (const [name, [group]] of Object.entries(config.resources.aws_security_group ?? {})) {
    expect({ name, inline: Object.keys(group ?? {}).filter((k) => k === 'ingress' || k === 'egress') }).toEqual({ name, inline: [] });
  }
  expect(config.resources.aws_security_group_rule).toBeUndefined();
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) expect({ name: rule.name, protocol: rule.protocol }).toEqual({ name: rule.name, protocol: expect.stringMatching(/^(tcp|udp)$/) });
});

test("Consul's gossip port (8301) is open among all cluster nodes, tcp and udp, and to nothing else", () => {
  expect(covering(rules, 8301).map(({ into, from, protocol }) => ({ into, from, protocol })).sort((a, b) => a.protocol.localeCompare(b.protocol))).toEqual([
    { into: CLUSTER, from: CLUSTER, protocol: 'tcp' },
    { into: CLUSTER, from: CLUSTER, protocol: 'udp' },
  ]);
});

test("Consul's RPC port (8300) is open only into the Consul servers, from the cluster's nodes", () => {
  expect(covering(rules, 8300).map(({ into, from, protocol }) => ({ into, from, protocol }))).toEqual([{ into: roleGroup('consul-server'), from: CLUSTER, protocol: 'tcp' }]);
});

test("Consul's HTTP API, gRPC, DNS and WAN ports are open to no one", () => {
  for (const port of [8302, 8500, 8501, 8502, 8503, 8600]) expect({ port, rules: covering(rules, port).map((r) => r.name) }).toEqual({ port, rules: [] });
});

test('every node is in the cluster group and in its own role group only', () => {
  expect(config.locals.node_roles).toEqual(NODE_ROLES);
  expect(config.locals.role_sg_ids).toBe('${{ for role in local.node_roles : role => [local.cluster_sg, local.role_sg[role]] }}');
  expect(body(config.resources, 'aws_security_group', 'role').for_each).toBe('${toset(local.node_roles)}');
  const groupsOf = (role: string): string => `\${local.role_sg_ids["${role}"]}`;
  for (const [name, [pool]] of Object.entries(config.modules)) {
    expect({ name, groups: pool?.security_group_ids }).toEqual({ name, groups: groupsOf(String(pool?.role)) });
  }
  for (const [name, [instance]] of Object.entries(config.resources.aws_instance ?? {})) {
    const role = String((instance?.tags as HclBody)['${var.name}-role']);
    expect({ name, groups: instance?.vpc_security_group_ids }).toEqual({ name, groups: groupsOf(role) });
  }
});

test('only the edge (80, 443) and the monitoring node (9090, 9095) take traffic from address ranges; all else comes from platform groups', () => {
  const fromAddresses = rules.filter((r) => !r.from.startsWith('${local.'));
  expect(fromAddresses.map((r) => `${r.into} ${r.ports.from}-${r.ports.to}`).sort()).toEqual(
    [`${roleGroup('edge')} 443-443`, `${roleGroup('edge')} 80-80`, `${roleGroup('monitoring')} 9090-9090`, `${roleGroup('monitoring')} 9095-9095`].sort(),
  );
});
