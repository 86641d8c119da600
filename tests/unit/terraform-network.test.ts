import { body, loadTerraform, type GroupRule, type HclBody, type TerraformConfig } from '../harness/terraform';

const NODE_ROLES = ['consul-server', 'service', 'edge', 'database', 'monitoring', 'kafka', 'logstore'];

interface AddressRule {
  into: string;
  ranges: string;
  port: number;
}

let config: TerraformConfig;
let groupRules: Record<string, GroupRule>;
let addressRules: Record<string, AddressRule>;
beforeAll(async () => {
  config = await loadTerraform();
  // The rules with the platform's own kafka and logstore nodes (var.stateful_services' default).
  const clusterRules = config.locals.cluster_group_rules as unknown as Record<string, Record<string, GroupRule>>;
  groupRules = { ...(config.locals.group_rules as unknown as Record<string, GroupRule>), ...clusterRules.nodes };
  addressRules = config.locals.address_rules as unknown as Record<string, AddressRule>;
});

/** Every rule row that lets traffic reach `port`, as "into <- from/protocol". */
function opening(port: number): string[] {
  const fromGroups = Object.values(groupRules).filter((r) => r.from_port <= port && port <= r.to_port).map((r) => `${r.into} <- ${r.from}/${r.protocol}`);
  const fromAddresses = Object.values(addressRules).filter((r) => r.port === port).map((r) => `${r.into} <- ${r.ranges}/tcp`);
  return [...fromGroups, ...fromAddresses].sort();
}

test('every ingress rule is a row of the two rule tables, wired as the row says', () => {
  expect(Object.keys(config.resources.aws_vpc_security_group_ingress_rule ?? {}).sort()).toEqual(['address', 'group']);
  expect(config.resources.aws_security_group_rule).toBeUndefined();
  for (const [name, [group]] of Object.entries(config.resources.aws_security_group ?? {})) {
    expect({ name, inline: Object.keys(group ?? {}).filter((k) => k === 'ingress' || k === 'egress') }).toEqual({ name, inline: [] });
  }
  expect(body(config.resources, 'aws_vpc_security_group_ingress_rule', 'group')).toMatchObject({
    for_each: '${merge(local.group_rules, local.cluster_group_rules[var.stateful_services])}',
    security_group_id: '${local.groups[each.value.into]}',
    referenced_security_group_id: '${local.groups[each.value.from]}',
    ip_protocol: '${each.value.protocol}',
    from_port: '${each.value.from_port}',
    to_port: '${each.value.to_port}',
  });
  const address = body(config.resources, 'aws_vpc_security_group_ingress_rule', 'address');
  expect(address).toMatchObject({ security_group_id: '${local.groups[each.value.into]}', cidr_ipv4: '${each.value.cidr}', ip_protocol: 'tcp', from_port: '${each.value.port}', to_port: '${each.value.port}' });
  expect(address.for_each).toContain('for name, rule in local.address_rules');
  for (const rule of Object.values(groupRules)) expect(['cluster', ...NODE_ROLES]).toEqual(expect.arrayContaining([rule.into, rule.from]));
  for (const rule of Object.values(groupRules)) expect(rule.protocol).toMatch(/^(tcp|udp)$/);
});

test("Consul's gossip port (8301) is open among all cluster nodes, tcp and udp, and to nothing else", () => {
  expect(opening(8301)).toEqual(['cluster <- cluster/tcp', 'cluster <- cluster/udp']);
});

test("Consul's RPC port (8300) is open only into the Consul servers, from the cluster's nodes", () => {
  expect(opening(8300)).toEqual(['consul-server <- cluster/tcp']);
});

test("Patroni's REST API (8009), which can move the leader, is open only to the other database nodes and Prometheus", () => {
  expect(opening(8009)).toEqual(['database <- database/tcp', 'database <- monitoring/tcp']);
  expect(String(config.locals.database_env)).toMatch(/POSTGRES_PATRONI_PORT\s*=\s*"8009"/);
});

test('service instance ports are open into service nodes from service and edge nodes, into edge nodes (their gateway) from edge nodes, and everywhere from Prometheus', () => {
  expect(opening(10000)).toEqual(opening(32767));
  expect(opening(20000)).toEqual(['cluster <- monitoring/tcp', 'edge <- edge/tcp', 'service <- edge/tcp', 'service <- service/tcp']);
});

test("the edge HAProxy's peers port (their shared per-client table) is open into edge nodes from edge nodes only, and is the port the edge nodes are given", () => {
  expect(opening(8090)).toEqual(['edge <- edge/tcp']);
  expect(groupRules['edge-peers']).toMatchObject({ into: 'edge', from: 'edge', protocol: 'tcp', from_port: 8090, to_port: 8090 });
});

test("Consul's HTTP API, gRPC, DNS and WAN ports are open to no one", () => {
  for (const port of [8302, 8500, 8501, 8502, 8503, 8600]) expect({ port, rules: opening(port) }).toEqual({ port, rules: [] });
});

test('every node is in the cluster group and in its own role group only', () => {
  expect(config.locals.node_roles).toEqual(NODE_ROLES);
  expect(config.locals.groups).toBe('${merge({ cluster = aws_security_group.cluster.id }, { for role in local.node_roles : role => aws_security_group.role[role].id })}');
  expect(config.locals.role_sg_ids).toBe('${{ for role in local.node_roles : role => [local.groups.cluster, local.groups[role]] }}');
  const groupsOf = (role: string): string => `\${local.role_sg_ids["${role}"]}`;
  for (const [name, [pool]] of Object.entries(config.modules)) {
    expect({ name, groups: pool?.security_group_ids }).toEqual({ name, groups: groupsOf(String(pool?.role)) });
  }
  for (const [name, [instance]] of Object.entries(config.resources.aws_instance ?? {})) {
    const role = String((instance?.tags as HclBody)['${var.name}-role']);
    expect({ name, groups: instance?.vpc_security_group_ids }).toEqual({ name, groups: groupsOf(role) });
  }
});

test('only the edge (80, 443, where its load balancer listens) and the monitoring node (9090, 9095) take traffic from address ranges', () => {
  expect(Object.values(addressRules).map((r) => `${r.into}:${r.port} from ${r.ranges}`).sort()).toEqual(['edge:443 from callers', 'edge:80 from callers', 'monitoring:9090 from operators', 'monitoring:9095 from operators']);
  expect(config.locals.edge_ports).toEqual({ http: 80, https: 443 });
  expect(config.locals.address_ranges).toEqual({ callers: '${distinct(concat(var.public_ingress_cidrs, [data.aws_vpc.this.cidr_block]))}', operators: '${var.monitoring_ingress_cidrs}' });
});
