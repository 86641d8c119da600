import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { body, loadTerraform, TERRAFORM_DIR, type GroupRule, type HclBody, type TerraformConfig } from '../harness/terraform';

/** Kafka and the log store: the platform's own nodes or the managed services (var.stateful_services). */
const CHOICES = ['nodes', 'managed'] as const;

let config: TerraformConfig;
let members: TerraformConfig;
let variables: Record<string, HclBody[]>;
beforeAll(async () => {
  config = await loadTerraform();
  members = await loadTerraform(join(TERRAFORM_DIR, 'modules', 'cluster-members'));
  variables = ((await parse('variables.tf', readFileSync(join(TERRAFORM_DIR, 'variables.tf'), 'utf8'))) as { variable: Record<string, HclBody[]> }).variable;
});

/** Every rule into the kafka or logstore group under one choice, as "into:port <- from". */
function clusterOpenings(choice: (typeof CHOICES)[number]): string[] {
  const core = config.locals.group_rules as unknown as Record<string, GroupRule>;
  const byChoice = (config.locals.cluster_group_rules as unknown as Record<string, Record<string, GroupRule>>)[choice] ?? {};
  return Object.values({ ...core, ...byChoice })
    .filter((r) => r.into === 'kafka' || r.into === 'logstore')
    .map((r) => `${r.into}:${r.from_port === r.to_port ? r.from_port : `${r.from_port}-${r.to_port}`} <- ${r.from}/${r.protocol}`)
    .sort();
}

test('stateful_services chooses between the own nodes (the default) and the managed services, and nothing else', () => {
  const [choice] = variables.stateful_services ?? [];
  expect(choice?.default).toBe('nodes');
  expect(JSON.stringify(choice?.validation)).toContain('contains([\\"nodes\\", \\"managed\\"], var.stateful_services)');
  expect(config.locals.own_clusters).toBe('${var.stateful_services == "nodes"}');
  expect(config.variables).not.toContain('kafka_brokers');
  expect(config.variables).not.toContain('log_store_url');
});

test('own nodes: a kafka and a logstore group of 3 members each, spread over the private subnets, in their own security groups, with encrypted EBS data volumes', () => {
  for (const [module, role, sizing] of [['kafka_nodes', 'kafka', 'kafka'], ['logstore_nodes', 'logstore', 'log_store']] as const) {
    expect(config.modules[module]).toHaveLength(1);
    const [group] = config.modules[module] ?? [];
    expect(group).toMatchObject({
      source: './modules/cluster-members',
      count: '${local.own_clusters ? 1 : 0}',
      role,
      members: `\${var.${sizing}.members}`,
      subnet_ids: '${local.cluster_subnets}',
      security_group_ids: `\${local.role_sg_ids["${role}"]}`,
      instance_profile: `\${aws_iam_instance_profile.node["${role}"].name}`,
      volume_gb: `\${var.${sizing}.volume_gb}`,
      data_dir: '${local.data_dir}',
    });
    expect(String(variables[sizing]?.[0]?.type)).toMatch(/members\s*=\s*optional\(number, 3\)/);
  }
  expect(config.locals.cluster_subnets).toBe('${slice(var.private_subnet_ids, 0, min(3, length(var.private_subnet_ids)))}');
  // Inside the module: members go round the subnets, each volume in its member's zone, encrypted.
  expect(body(members.data, 'aws_subnet', 'member').id).toBe('${var.subnet_ids[count.index % length(var.subnet_ids)]}');
  expect(body(members.resources, 'aws_ebs_volume', 'data')).toMatchObject({ availability_zone: '${data.aws_subnet.member[count.index].availability_zone}', encrypted: true, type: 'gp3' });
  expect(body(members.resources, 'aws_network_interface', 'member')).toMatchObject({ subnet_id: '${data.aws_subnet.member[count.index].id}', security_groups: '${var.security_group_ids}' });
  const instance = body(members.resources, 'aws_instance', 'member');
  expect(instance.network_interface).toEqual([{ network_interface_id: '${aws_network_interface.member[count.index].id}', device_index: 0 }]);
  expect(instance.tags).toEqual({ Name: '${var.name}-${local.names[count.index]}', '${var.name}-role': '${var.role}' });
  expect(body(members.resources, 'aws_volume_attachment', 'data').volume_id).toBe('${aws_ebs_volume.data[count.index].id}');
});

test("own nodes: every member learns every member's address, the quorum's id and the seed hosts", () => {
  const kafka = config.modules.kafka_nodes?.[0] as HclBody;
  expect(kafka.member_id_variable).toBe('KAFKA_NODE_ID');
  expect(kafka.peers).toEqual({ variable: 'KAFKA_CONTROLLER_VOTERS', port: 9093, with_id: true });
  expect(String(kafka.env)).toMatch(/KAFKA_CLUSTER_ID\s*=\s*random_id\.kafka_cluster\.b64_url/);
  const logstore = config.modules.logstore_nodes?.[0] as HclBody;
  expect(logstore.peers).toEqual({ variable: 'OPENSEARCH_SEED_HOSTS', port: 9300, with_id: false });
  expect(logstore.names_variable).toBe('OPENSEARCH_INITIAL_MANAGERS');
  expect(String(members.locals.cluster_env)).toContain('var.peers.with_id ? "${i + 1}@${ip}:${var.peers.port}" : "${ip}:${var.peers.port}"');
  expect(String(members.locals.ips)).toBe('${aws_network_interface.member[*].private_ip}');
});

test('own nodes: Kafka takes 9092 from service nodes and Prometheus, 9092-9093 among brokers; the log store 9200 from Filebeat (service, edge) and Prometheus, 9300 among its members', () => {
  expect(clusterOpenings('nodes')).toEqual([
    'kafka:9092 <- monitoring/tcp',
    'kafka:9092 <- service/tcp',
    'kafka:9092-9093 <- kafka/tcp',
    'logstore:9200 <- edge/tcp',
    'logstore:9200 <- monitoring/tcp',
    'logstore:9200 <- service/tcp',
    'logstore:9300 <- logstore/tcp',
  ]);
});

test('managed: MSK takes 9092 and OpenSearch Service 443 from the same nodes; nothing else reaches their interfaces', () => {
  expect(clusterOpenings('managed')).toEqual(['kafka:9092 <- monitoring/tcp', 'kafka:9092 <- service/tcp', 'logstore:443 <- edge/tcp', 'logstore:443 <- monitoring/tcp', 'logstore:443 <- service/tcp']);
  // Their interfaces are in the kafka or logstore group alone: not in "cluster" (Consul gossip, scrapes).
  const msk = body(config.resources, 'aws_msk_cluster', 'kafka');
  expect(msk.count).toBe('${local.own_clusters ? 0 : 1}');
  expect(msk.broker_node_group_info).toEqual([expect.objectContaining({ security_groups: ['${local.groups["kafka"]}'], client_subnets: '${local.cluster_subnets}' })]);
  const domain = body(config.resources, 'aws_opensearch_domain', 'logs');
  expect(domain.count).toBe('${local.own_clusters ? 0 : 1}');
  expect(domain.vpc_options).toEqual([{ subnet_ids: '${local.cluster_subnets}', security_group_ids: ['${local.groups["logstore"]}'] }]);
  expect(domain.node_to_node_encryption).toEqual([{ enabled: true }]);
  expect(domain.encrypt_at_rest).toEqual([{ enabled: true }]);
  expect(String(body(config.resources, 'aws_msk_configuration', 'kafka').server_properties)).toContain('min.insync.replicas=2');
});

test('either way, KAFKA_BROKERS and LOG_STORE_URL are filled by terraform for the service, edge and monitoring nodes', () => {
  expect(config.locals.kafka_brokers).toBe('${local.own_clusters ? join(",", [for ip in module.kafka_nodes[0].private_ips : "${ip}:${local.kafka_port}"]) : aws_msk_cluster.kafka[0].bootstrap_brokers}');
  expect(config.locals.log_store_url).toBe('${local.own_clusters ? join(",", [for ip in module.logstore_nodes[0].private_ips : "http://${ip}:${local.log_store_port}"]) : "https://${aws_opensearch_domain.logs[0].endpoint}"}');
  expect(config.locals.cluster_clients_env).toEqual({ KAFKA_BROKERS: '${local.kafka_brokers}', LOG_STORE_URL: '${local.log_store_url}' });
  expect(String(config.locals.user_data)).toContain('contains(["service", "edge"], role) ? local.cluster_clients_env : {}');
  const monitoring = body(config.resources, 'aws_instance', 'monitoring');
  expect(String(monitoring.user_data)).toContain('merge(local.common_env, local.cluster_clients_env,');
});
