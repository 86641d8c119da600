import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderAgentConfig } from '../../platform/consul/src/agent-config';
import { serviceTokenName, tokenSpec } from '../../platform/consul/src/acl-rules';
import { readConsulToken } from '../../packages/service-kit/src/discovery/consul-client';

const security = { encryptKey: 'a2V5', caFile: '/s/ca.pem', serverCert: { certFile: '/s/cert.pem', keyFile: '/s/key.pem' }, initialManagement: 'mgmt-secret', agentToken: 'agent-secret' };
const base = { nodeName: 'n1', datacenter: 'dc1', dataDir: '/d', bindAddr: '10.0.0.5', ports: { http: 8500, server: 8300, serfLan: 8301, dns: -1 } };

test('a server denies by default, encrypts gossip, verifies TLS both ways with server hostnames, and hands certificates to clients', () => {
  const config = renderAgentConfig({ ...base, security });
  expect(config.acl).toEqual({ enabled: true, default_policy: 'deny', down_policy: 'extend-cache', enable_token_persistence: true, tokens: { initial_management: 'mgmt-secret', agent: 'agent-secret' } });
  expect(config).toMatchObject({ encrypt: 'a2V5', encrypt_verify_incoming: true, encrypt_verify_outgoing: true, auto_encrypt: { allow_tls: true } });
  expect(config.tls).toEqual({
    defaults: { ca_file: '/s/ca.pem', cert_file: '/s/cert.pem', key_file: '/s/key.pem', verify_incoming: true, verify_outgoing: true },
    internal_rpc: { verify_server_hostname: true },
  });
  // The HTTP API stays plain HTTP on its loopback port; no HTTPS or gRPC listener.
  expect(config.ports).toMatchObject({ http: 8500, https: -1, grpc: -1, grpc_tls: -1 });
});

test('a client asks the servers for its certificate, verifies theirs, and holds no management token', () => {
  const { serverCert: _cert, initialManagement: _mgmt, ...clientSecurity } = security;
  const config = renderAgentConfig({ ...base, security: clientSecurity, cluster: { server: false, retryJoin: ['10.0.0.1'], clientAddr: '127.0.0.1' } });
  expect(config.auto_encrypt).toEqual({ tls: true });
  expect(config.tls).toEqual({ defaults: { ca_file: '/s/ca.pem', verify_incoming: false, verify_outgoing: true }, internal_rpc: { verify_server_hostname: true } });
  expect(config.acl).toMatchObject({ default_policy: 'deny', tokens: { agent: 'agent-secret' } });
});

test("a service's token is its service identity plus write on its own drain keys only, and read on the feature flags", () => {
  expect(tokenSpec(serviceTokenName('users'), { datacenter: 'dc1' })).toEqual({
    description: 'platform: instances of users',
    policy: { name: 'platform-drain-users', rules: 'key_prefix "platform/drain/users/" { policy = "write" }\nkey_prefix "platform/flags/" { policy = "read" }\n' },
    serviceIdentities: ['users'],
    nodeIdentities: [],
  });
  expect(serviceTokenName('gateway')).toBe('gateway');
  expect(serviceTokenName('postgres')).toBe('postgres');
  expect(tokenSpec('gateway', { datacenter: 'dc1' }).serviceIdentities).toEqual(['gateway']);
});

test('the lb-controller token writes every drain key, reads the rollout records and the catalog (not the feature flags); monitoring writes only its exporter\'s drain keys', () => {
  const lb = tokenSpec('lb-controller', { datacenter: 'dc1' });
  expect(lb.serviceIdentities).toEqual(['lb-controller']);
  expect(lb.policy?.rules).toBe('key_prefix "platform/drain/" { policy = "write" }\nkey_prefix "platform/rollouts/" { policy = "read" }\nservice_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\n');
  const monitoring = tokenSpec('monitoring', { datacenter: 'dc1' });
  // Its writes: the cluster-health exporter beside Prometheus registers itself and drains as any instance does.
  expect(monitoring.serviceIdentities).toEqual(['cluster-health']);
  expect(monitoring.policy?.rules.split('\n').filter((rule) => rule.includes('write'))).toEqual(['key_prefix "platform/drain/cluster-health/" { policy = "write" }']);
});

test('the flags-writer token writes the feature flags and nothing else; the deployer writes the rollout records and registers only its metrics endpoint', () => {
  expect(tokenSpec('flags-writer', { datacenter: 'dc1' })).toEqual({
    description: expect.any(String),
    policy: { name: 'platform-flags-writer', rules: 'key_prefix "platform/flags/" { policy = "write" }\n' },
    serviceIdentities: [],
    nodeIdentities: [],
  });
  expect(tokenSpec('deployer', { datacenter: 'dc1' })).toEqual({
    description: expect.any(String),
    policy: { name: 'platform-deployer', rules: 'key_prefix "platform/rollouts/" { policy = "write" }\n' },
    serviceIdentities: ['platform-deploys'],
    nodeIdentities: [],
  });
});

test('the reader token reads the catalog, the feature flags and the raft peers, and writes nothing (no service or node identity, no acl rule)', () => {
  expect(tokenSpec('reader', { datacenter: 'dc1' })).toEqual({
    description: expect.any(String),
    policy: {
      name: 'platform-reader',
      rules: 'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }\nkey_prefix "platform/flags/" { policy = "read" }\noperator = "read"\n',
    },
    serviceIdentities: [],
    nodeIdentities: [],
  });
});

test("an agent's token names its node when it is known, and is a shared node-write policy for a pool", () => {
  expect(tokenSpec('agent', { datacenter: 'local', nodeName: 'node-1' })).toMatchObject({ nodeIdentities: [{ NodeName: 'node-1', Datacenter: 'local' }], serviceIdentities: [] });
  expect(tokenSpec('agent', { datacenter: 'dc1' }).policy?.rules).toBe('node_prefix "" { policy = "write" }\nservice_prefix "" { policy = "read" }\n');
});

test.each(['Users', 'a/b', 'x"}\nkey_prefix "" {', '', '-lead'])('%j is refused as a service name before it reaches a policy', (name) => {
  expect(() => serviceTokenName(name)).toThrow(/is not a service name/);
});

test('unknown token names are refused', () => {
  expect(() => tokenSpec('root', { datacenter: 'dc1' })).toThrow(/not a platform Consul token name/);
});

test('CONSUL_HTTP_TOKEN_FILE: a missing file or one without a UUID stops the start naming the variable, never the content', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-'));
  const good = join(dir, 'good');
  writeFileSync(good, ' 0b5c2e4a-1f3d-4c6b-9a8e-7d6f5e4c3b2a\n');
  expect(readConsulToken(good)).toBe('0b5c2e4a-1f3d-4c6b-9a8e-7d6f5e4c3b2a');
  expect(readConsulToken(undefined)).toBeUndefined();
  expect(() => readConsulToken(join(dir, 'missing'))).toThrow(/CONSUL_HTTP_TOKEN_FILE names .*missing, which cannot be read \(ENOENT\)/);
  const bad = join(dir, 'bad');
  writeFileSync(bad, 'hunter2-not-a-token');
  expect(() => readConsulToken(bad)).toThrow(/CONSUL_HTTP_TOKEN_FILE .* does not hold a Consul token/);
  expect(() => readConsulToken(bad)).not.toThrow(/hunter2/);
});
