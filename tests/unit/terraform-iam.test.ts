import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { body, hclStrings, loadTerraform, type HclValue, type TerraformConfig } from '../harness/terraform';

/**
 * The SSM parameters (under /<name>/) each node role may read: the security decision itself, so
 * changing it takes an edit here and in terraform/iam.tf. Consul servers read every Consul token
 * to create them; every other node reads its agent's, its own components' and the read-only
 * `reader` (the CLI's read commands) only.
 */
const ROLE_PARAMETERS: Record<string, string[]> = {
  'consul-server': ['consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'consul/ca-key', 'consul/management-token', 'consul/tokens/*'],
  service: [
    'consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'consul/tokens/lb-controller', 'consul/tokens/service-*',
    'postgres/app', 'postgres/tls-cert',
  ],
  // The gateway's control plane runs beside the edge HAProxy it feeds.
  edge: [
    'consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'consul/tokens/lb-controller', 'edge/tls-cert', 'edge/tls-key',
    'consul/tokens/gateway', 'gateway/api-keys', 'gateway/jwt-secret', 'gateway/jwt-settings',
  ],
  database: [
    'consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'consul/tokens/postgres', 'consul/tokens/patroni',
    'postgres/admin', 'postgres/app', 'postgres/replicator', 'postgres/monitor', 'postgres/rest-api', 'postgres/tls-cert', 'postgres/tls-key',
  ],
  monitoring: ['consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader', 'consul/tokens/monitoring', 'alerting/webhook-url'],
  // A Consul agent (and the read-only token): the brokers and the log store hold no secret of their own.
  kafka: ['consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader'],
  logstore: ['consul/gossip-key', 'consul/ca-cert', 'consul/tokens/agent', 'consul/tokens/reader'],
};
const ROLES = Object.keys(ROLE_PARAMETERS);
const sorted = (values: readonly string[]): string[] => [...new Set(values)].sort();

/**
 * The parameters platform-first-boot reads, per role: calls before the `case` are every role's,
 * calls in a `<role>)` arm that role's; a shell variable in a name reads as `*`.
 */
function firstBootReads(script: string): Map<string, string[]> {
  const reads = new Map<string, string[]>([['*', []]]);
  let section = '*';
  for (const line of script.split('\n').map((l) => l.trim())) {
    const arm = /^([a-z-]+)\)$/.exec(line);
    if (arm?.[1]) reads.set((section = arm[1]), []);
    if (line === 'esac') section = '*';
    const call = /(?:^|\|\| )ssm_to_file "?([^\s"]+)"? /.exec(line);
    if (call?.[1]) reads.get(section)?.push(call[1].replace(/\$\{?\w+\}?/g, '*'));
  }
  return reads;
}

let config: TerraformConfig;
beforeAll(async () => {
  config = await loadTerraform();
});

test('each node role has its own role and instance profile, and its policy reads only the SSM parameters of that role', () => {
  const table = config.locals.role_parameters as Record<string, string[]>;
  expect(Object.keys(table).sort()).toEqual([...ROLES].sort());
  for (const role of ROLES) expect(sorted(table[role] ?? [])).toEqual(sorted(ROLE_PARAMETERS[role] ?? []));

  for (const type of ['aws_iam_role', 'aws_iam_role_policy', 'aws_iam_instance_profile']) {
    expect(body(config.resources, type, 'node').for_each).toBe('${local.role_parameters}');
  }
  expect(body(config.resources, 'aws_iam_instance_profile', 'node').role).toBe('${aws_iam_role.node[each.key].name}');
  expect(body(config.resources, 'aws_iam_role_policy', 'node').policy).toBe('${data.aws_iam_policy_document.node[each.key].json}');

  const policy = body(config.data, 'aws_iam_policy_document', 'node');
  expect(policy.for_each).toBe('${local.role_parameters}');
  const ssm = (policy.statement as { actions: string[]; resources: HclValue }[]).filter((s) => s.actions.some((a) => a.startsWith('ssm:')));
  expect(ssm).toEqual([
    {
      actions: ['ssm:GetParameter'],
      // Each role's own list, each parameter by its full ARN under this platform's prefix.
      resources: '${[for parameter in each.value : "arn:aws:ssm:${var.region}:${data.aws_caller_identity.this.account_id}:parameter${local.ssm_prefix}/${parameter}"]}',
    },
  ]);
});

test('no other policy grants SSM, KMS, IAM or STS actions beyond the role assumption', () => {
  const granted = [...hclStrings(config.data as unknown as HclValue), ...hclStrings(config.resources as unknown as HclValue)].filter((s) => /^(ssm|kms|iam|sts|secretsmanager):/.test(s));
  expect(granted.sort()).toEqual(['ssm:GetParameter', 'sts:AssumeRole']);
  expect(Object.keys(config.resources).filter((type) => type.startsWith('aws_iam_')).sort()).toEqual(['aws_iam_instance_profile', 'aws_iam_role', 'aws_iam_role_policy']);
});

test('every node runs with the instance profile of its own role', () => {
  const profileOf = (role: string): string => `\${aws_iam_instance_profile.node["${role}"].name}`;
  const seen = new Set<string>();
  for (const [name, [pool]] of Object.entries(config.modules)) {
    const role = String(pool?.role);
    expect({ name, profile: pool?.instance_profile }).toEqual({ name, profile: profileOf(role) });
    seen.add(role);
  }
  for (const [name, [instance]] of Object.entries(config.resources.aws_instance ?? {})) {
    const role = String((instance?.tags as Record<string, HclValue>)['${var.name}-role']);
    expect({ name, profile: instance?.iam_instance_profile }).toEqual({ name, profile: profileOf(role) });
    seen.add(role);
  }
  expect([...seen].sort()).toEqual([...ROLES].sort());
});

test('first boot copies, for each role, exactly the parameters that role may read', () => {
  const reads = firstBootReads(readFileSync(join(__dirname, '..', '..', 'packer', 'files', 'platform-first-boot'), 'utf8'));
  expect([...reads.keys()].sort()).toEqual(['*', ...ROLES].sort());
  for (const role of ROLES) {
    expect({ role, reads: sorted([...(reads.get('*') ?? []), ...(reads.get(role) ?? [])]) }).toEqual({ role, reads: sorted(ROLE_PARAMETERS[role] ?? []) });
  }
});
