import { DCS_TIMING, renderPatroniConfig, type ClusterSecrets, type PatroniMemberConfig } from '@platform/postgres';

const secrets: ClusterSecrets = {
  dir: '/state/secrets',
  passwordFile: (role) => `/state/secrets/${role}.password`,
  password: (role) => `pw-${role}`,
  pgpassFile: '/state/secrets/replication.pgpass',
  restPasswordFile: '/state/secrets/rest-api.password',
  restCredentials: () => ({ username: 'patroni', password: 'pw-rest' }),
};

const member = (change: Partial<PatroniMemberConfig> = {}): PatroniMemberConfig => ({
  scope: 'platform',
  name: 'pg-1',
  host: '127.0.0.1',
  port: 5434,
  restPort: 8009,
  dataDir: '/state/pg-1/data',
  binDir: '/usr/lib/postgresql/15/bin',
  pgpassFile: '/state/pg-1/patroni.pgpass',
  consulAddr: '127.0.0.1:8500',
  sessionChecks: ['serfHealth', 'patroni-platform-pg-1-alive'],
  secrets,
  database: 'platform',
  synchronous: true,
  sharedBuffers: '16MB',
  maxConnections: 100,
  ...change,
});

type Rendered = {
  consul: { token?: string; checks: string[]; register_service: boolean };
  bootstrap: { dcs: { ttl: number; loop_wait: number; retry_timeout: number; synchronous_mode: boolean; postgresql: { use_pg_rewind: boolean } } };
  restapi: { listen: string; authentication: { username: string; password: string } };
  postgresql: { listen: string; authentication: { replication: { username: string; password: string } }; pg_hba: string[] };
};
const render = (change?: Partial<PatroniMemberConfig>): Rendered => JSON.parse(renderPatroniConfig(member(change))) as Rendered;

test("every change through a member's REST API needs the cluster's REST credentials", () => {
  expect(render().restapi).toEqual({ listen: '127.0.0.1:8009', connect_address: '127.0.0.1:8009', authentication: { username: 'patroni', password: 'pw-rest' } });
});

test("a member's config carries the cluster's timing, synchronous mode, pg_rewind and the session's checks", () => {
  const config = render();
  expect(config.bootstrap.dcs).toMatchObject({ ttl: DCS_TIMING.ttl, loop_wait: DCS_TIMING.loopWait, retry_timeout: DCS_TIMING.retryTimeout, synchronous_mode: true, postgresql: { use_pg_rewind: true } });
  // Patroni's rule, and a leader cut off from Consul demotes before its session can expire (ttl/2).
  expect(DCS_TIMING.loopWait + 2 * DCS_TIMING.retryTimeout).toBeLessThanOrEqual(DCS_TIMING.ttl);
  expect(DCS_TIMING.retryTimeout).toBeLessThan(DCS_TIMING.ttl / 2);
  expect(config.consul).toMatchObject({ checks: ['serfHealth', 'patroni-platform-pg-1-alive'], register_service: false });
  expect(config.postgresql.listen).toBe('127.0.0.1:5434');
  expect(config.postgresql.authentication.replication).toEqual({ username: 'replicator', password: 'pw-replicator' });
  expect(config.postgresql.pg_hba).toContain('host     replication  replicator        127.0.0.1/32        scram-sha-256');
});

test('the Consul token is written only when there is one, and synchronous mode follows the setting', () => {
  expect(render().consul.token).toBeUndefined();
  expect(render({ consulToken: 'tok-123' }).consul.token).toBe('tok-123');
  expect(render({ synchronous: false }).bootstrap.dcs.synchronous_mode).toBe(false);
});

test('a member name, scope, host or port that could break the config is refused before anything is written', () => {
  expect(() => render({ name: 'pg 1\nscope: x' })).toThrow(/member name/);
  expect(() => render({ scope: 'Platform' })).toThrow(/scope/);
  expect(() => render({ host: 'db.example.com' })).toThrow(/IPv4/);
  expect(() => render({ restPort: 70_000 })).toThrow(/REST API port/);
  expect(() => render({ clientCidrs: ['10.0.0.0/8 trust'] })).toThrow(/IPv4 CIDRs/);
});

test('a member on a network (the cloud layout) serves TLS, replicates over it, and runs pg_rewind as the replicator, not the superuser', () => {
  type Networked = { postgresql: { parameters: Record<string, string>; authentication: Record<string, Record<string, string>>; pg_hba: string[] } };
  const cloud = JSON.parse(renderPatroniConfig(member({ host: '10.0.2.6', clientCidrs: ['10.0.0.0/16'], tls: { certFile: '/state/db-1/server.crt', keyFile: '/state/db-1/server.key' } }))) as Networked;
  expect(cloud.postgresql.parameters).toMatchObject({ ssl: 'on', ssl_cert_file: '/state/db-1/server.crt', ssl_key_file: '/state/db-1/server.key' });
  expect(cloud.postgresql.authentication.replication).toEqual({ username: 'replicator', password: 'pw-replicator', sslmode: 'require' });
  expect(cloud.postgresql.authentication.rewind).toEqual(cloud.postgresql.authentication.replication);
  expect(cloud.postgresql.pg_hba).toContain('hostssl  postgres     replicator        10.0.0.0/16         scram-sha-256');
  // On one machine every member reaches the others on loopback, where the superuser may log in.
  const local = JSON.parse(renderPatroniConfig(member())) as Networked;
  expect(local.postgresql.authentication.rewind).toEqual({ username: 'postgres', password: 'pw-admin' });
  expect(local.postgresql.parameters.ssl).toBeUndefined();
});
