import { servicesOfNode } from '../../cli/src/commands/node';
import { LB_ROLES } from '../../cli/src/node-role';
import { loadSettings } from '../../cli/src/settings';

/** The Consul secret files a node's boot script places from SSM (all of them on a consul server). */
const CLIENT_SECRETS = { CONSUL_ENCRYPT_KEY_FILE: '/s/gossip-key', CONSUL_CA_FILE: '/s/ca-cert', CONSUL_TOKENS_DIR: '/s/tokens' };
const SERVER_SECRETS = { ...CLIENT_SECRETS, CONSUL_CA_KEY_FILE: '/s/ca-key', CONSUL_MANAGEMENT_TOKEN_FILE: '/s/management-token' };

/** The node's environment file is all a cloud node knows of its role; every mistake in it must be named. */
const nodeOf = (env: Record<string, string>, name = 'n') => loadSettings({ ...env, PLATFORM_NODE_NAME: name }).node;

test('without PLATFORM_ROLE the node runs everything, as the local platform does', () => {
  expect(nodeOf({}, 'node-1')).toEqual({ role: 'all' });
});

test('a consul server joins the others and waits for the expected quorum', () => {
  const env = { PLATFORM_ROLE: 'consul-server', PLATFORM_BIND_ADDR: '10.0.1.5', CONSUL_RETRY_JOIN: 'provider=aws tag_key=platform-consul tag_value=server , 10.0.1.6', CONSUL_BOOTSTRAP_EXPECT: '5', ...SERVER_SECRETS };
  expect(nodeOf(env, 'consul-1')).toEqual({
    role: 'consul-server',
    bindAddr: '10.0.1.5',
    consul: {
      server: true,
      bootstrapExpect: 5,
      retryJoin: ['provider=aws tag_key=platform-consul tag_value=server', '10.0.1.6'],
      clientAddr: '127.0.0.1',
      datacenter: 'dc1',
      secrets: { encryptKeyFile: '/s/gossip-key', caFile: '/s/ca-cert', caKeyFile: '/s/ca-key', managementTokenFile: '/s/management-token', agentTokenFile: '/s/tokens/agent', tokensDir: '/s/tokens' },
    },
  });
});

test('a database node is a Patroni member named after the node, with its client networks', () => {
  const env = { PLATFORM_ROLE: 'database', PLATFORM_BIND_ADDR: '10.0.2.7', CONSUL_RETRY_JOIN: '10.0.1.5', POSTGRES_CLIENT_CIDRS: '10.0.0.0/16', ...CLIENT_SECRETS };
  expect(nodeOf(env, 'db-2').database).toEqual({ name: 'db-2', clientCidrs: ['10.0.0.0/16'] });
});

test('a database node given a certificate and key serves TLS with those files', () => {
  const env = { PLATFORM_ROLE: 'database', PLATFORM_BIND_ADDR: '10.0.2.6', CONSUL_RETRY_JOIN: '10.0.1.5', POSTGRES_TLS_CERT_FILE: '/s/tls-cert.pem', POSTGRES_TLS_KEY_FILE: '/s/tls-key.pem', ...CLIENT_SECRETS };
  expect(nodeOf(env, 'db-1').database?.tls).toEqual({ certFile: '/s/tls-cert.pem', keyFile: '/s/tls-key.pem' });
});

test.each([
  [{ PLATFORM_ROLE: 'database', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', POSTGRES_TLS_CERT_FILE: '/s/tls-cert.pem', ...CLIENT_SECRETS }, /POSTGRES_TLS_CERT_FILE and POSTGRES_TLS_KEY_FILE: must be set together/],
  [{ PLATFORM_ROLE: 'worker' }, /PLATFORM_ROLE: must be one of all, consul-server, service, edge, database, monitoring, kafka, logstore/],
  [{ PLATFORM_ROLE: 'service', CONSUL_RETRY_JOIN: '10.0.1.5' }, /PLATFORM_BIND_ADDR: must be set on a service node/],
  [{ PLATFORM_ROLE: 'service', PLATFORM_BIND_ADDR: 'ten.0.0.1', CONSUL_RETRY_JOIN: '10.0.1.5' }, /PLATFORM_BIND_ADDR: must be an IPv4 address/],
  [{ PLATFORM_ROLE: 'edge', PLATFORM_BIND_ADDR: '10.0.0.1' }, /CONSUL_RETRY_JOIN: must be set on an edge node/],
  [{ PLATFORM_ROLE: 'consul-server', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', CONSUL_BOOTSTRAP_EXPECT: '9' }, /CONSUL_BOOTSTRAP_EXPECT: must be an integer between 1 and 7/],
  [{ PLATFORM_ROLE: 'database', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', POSTGRES_PRIMARY_ADDR: '10.0.0.2:5432', ...CLIENT_SECRETS }, /POSTGRES_PRIMARY_ADDR: no longer applies: Patroni elects the leader/],
  [{ PLATFORM_ROLE: 'database', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', POSTGRES_REPLICA_NAMES: 'db-2', ...CLIENT_SECRETS }, /POSTGRES_REPLICA_NAMES: no longer applies/],
  [{ PLATFORM_ROLE: 'database', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', POSTGRES_CLIENT_CIDRS: '0.0.0.0', ...CLIENT_SECRETS }, /POSTGRES_CLIENT_CIDRS.*: must list IPv4 networks/],
  [{ PLATFORM_ROLE: 'edge', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x' }, /CONSUL_TOKENS_DIR: must be set on an edge node/],
  [{ PLATFORM_ROLE: 'service', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', CONSUL_TOKENS_DIR: '/t' }, /CONSUL_ENCRYPT_KEY_FILE: must be set on a service node/],
  [{ PLATFORM_ROLE: 'consul-server', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', ...CLIENT_SECRETS }, /CONSUL_CA_KEY_FILE: must be set on a consul-server node/],
  [{ PLATFORM_ROLE: 'edge', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', GATEWAY_JWT_SECRET_FILE: '/s/jwt', GATEWAY_JWT_ISSUER: 'i', ...CLIENT_SECRETS }, /GATEWAY_JWT_ISSUER: no longer applies on a node: put the JWT issuer/],
  [{ PLATFORM_ROLE: 'edge', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: 'x', GATEWAY_JWT_SECRET_FILE: '/s/jwt', ...CLIENT_SECRETS }, /GATEWAY_JWT_SETTINGS_FILE: must be set with GATEWAY_JWT_SECRET_FILE on a node/],
])('%j is refused with a message naming the variable', (env, message) => {
  expect(() => nodeOf(env)).toThrow(message);
});

/** The services of this checkout as the catalog lists them (only names and counts matter here). */
const KNOWN = ['gateway', 'orders', 'users'].map((name) => ({ name, entry: `/s/${name}/dist/main.js`, defaultInstances: 2 }));
const namesOf = (plan: { name: string; instances: number }[]): string[] => plan.map((s) => `${s.name}=${s.instances}`);

test('the gateway runs on edge nodes beside the edge it feeds (with an internal HAProxy for /docs), every other service on service nodes', () => {
  expect(namesOf(servicesOfNode('service', KNOWN, undefined))).toEqual(['orders=2', 'users=2']);
  expect(namesOf(servicesOfNode('edge', KNOWN, []))).toEqual(['gateway=2']);
  expect(namesOf(servicesOfNode('service', KNOWN, ['users=3', 'orders=1']))).toEqual(['users=3', 'orders=1']);
  expect(namesOf(servicesOfNode('edge', KNOWN, ['gateway=1']))).toEqual(['gateway=1']);
  expect(LB_ROLES.edge).toEqual(['internal', 'edge']);
});

test.each([
  ['service', 'gateway=2,users=2', /PLATFORM_SERVICES names gateway, which does not run on service nodes; service nodes run: orders, users/],
  ['edge', 'users=1', /PLATFORM_SERVICES names users, which does not run on edge nodes; edge nodes run: gateway/],
  ['service', 'billing=1', /PLATFORM_SERVICES names billing, which is not a service here/],
] as const)('a %s node given PLATFORM_SERVICES=%s refuses to start, naming what it runs', (role, raw, message) => {
  expect(() => servicesOfNode(role, KNOWN, loadSettings({ PLATFORM_SERVICES: raw }).services.onNode)).toThrow(message);
});
