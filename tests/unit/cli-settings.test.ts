import { ConfigError } from '@platform/service-kit';
import { plannedPorts } from '../../cli/src/port-preflight';
import { loadSettings } from '../../cli/src/settings';
import { PORTS } from '../../cli/src/settings-env';

const problemsOf = (env: NodeJS.ProcessEnv): readonly string[] => {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

test('every bad variable is named in one run, not only the first', () => {
  const problems = problemsOf({ CONSUL_HTTP_PORT: '99999', EDGE_PORT: 'eighty', OPENSEARCH_HEAP: '2 GB', POSTGRES_SYNCHRONOUS: 'maybe', POSTGRES_MAX_REPLICA_LAG_MS: '-1', PLATFORM_ROLE: 'worker' });
  expect(problems.map((p) => p.split(':')[0])).toEqual(['CONSUL_HTTP_PORT', 'EDGE_PORT', 'OPENSEARCH_HEAP', 'POSTGRES_MAX_REPLICA_LAG_MS', 'POSTGRES_SYNCHRONOUS', 'PLATFORM_ROLE']);
  expect(problems).toContain('CONSUL_HTTP_PORT: must be an integer between -1 and 65535 (got "99999")');
  // A role that parsed has its needs checked beside the other problems.
  const edge = problemsOf({ EDGE_PORT: 'eighty', PLATFORM_ROLE: 'edge', PLATFORM_BIND_ADDR: '10.0.0.1', CONSUL_RETRY_JOIN: '10.0.1.5' });
  expect(edge.map((p) => p.split(':')[0])).toEqual(['EDGE_PORT', 'CONSUL_TOKENS_DIR', 'CONSUL_ENCRYPT_KEY_FILE', 'CONSUL_CA_FILE']);
});

test('unset and empty variables take the defaults written beside their declaration', () => {
  const settings = loadSettings({ EDGE_PORT: '', POSTGRES_SYNCHRONOUS: ' ' });
  expect(settings.edge).toEqual({ host: '127.0.0.1', port: 8080, tlsPort: 8443 });
  expect(settings.consul).toEqual({ http: 8500, server: 8300, serfLan: 8301, dns: 8600 });
  expect(settings.postgres).toEqual({ replicas: 2, basePort: 5433, roleCheckBasePort: 8433, maxReplicaLagMs: 500, restBasePort: 8008, synchronous: true });
  expect(settings.logs.retentionDays).toBe(7);
  expect(loadSettings({ POSTGRES_SYNCHRONOUS: 'OFF' }).postgres.synchronous).toBe(false);
});

test('the port preflight checks every declared port under the variable that moves it, one per database server', () => {
  const ports = plannedPorts(loadSettings({ POSTGRES_REPLICAS: '1', KAFKA_PORT: '-1', EDGE_BIND_HOST: '0.0.0.0' }));
  const variables = new Set(ports.map((p) => p.variable));
  const declared = Object.values(PORTS).map((p) => p.variable);
  expect([...variables].sort()).toEqual(declared.filter((v) => v !== 'KAFKA_PORT').sort());
  expect(ports.filter((p) => p.variable === 'POSTGRES_PORT').map((p) => p.port)).toEqual([5433, 5434]);
  expect(ports.find((p) => p.variable === 'EDGE_PORT')?.host).toBe('0.0.0.0');
  // With an external log store the platform runs no OpenSearch, so its ports are not needed.
  const external = plannedPorts(loadSettings({ LOG_STORE_URL: 'https://logs.example:9200' })).map((p) => p.variable);
  expect(external).not.toContain('OPENSEARCH_HTTP_PORT');
});

test('a webhook URL with a token is checked but never echoed in a problem', () => {
  const problems = problemsOf({ ALERT_WEBHOOK_URL: 'ftp://hooks.example/T0KEN-secret' });
  expect(problems).toEqual(['ALERT_WEBHOOK_URL must be an http or https URL']);
  expect(JSON.stringify(loadSettings({ ALERT_WEBHOOK_URL: 'https://hooks.example/T0KEN-secret' }))).not.toContain('T0KEN');
});
