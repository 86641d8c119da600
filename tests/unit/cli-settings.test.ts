import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSecretFile } from '@platform/process-runner';
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

test('a port fetch() refuses is refused by name, since the platform checks its components over HTTP', () => {
  expect(problemsOf({ ALERTMANAGER_PORT: '10080', PROMETHEUS_PORT: '6000' })).toEqual([
    'PROMETHEUS_PORT: 6000 is a port fetch() refuses to connect to (the fetch standard\'s "bad ports"); choose another (got "6000")',
    'ALERTMANAGER_PORT: 10080 is a port fetch() refuses to connect to (the fetch standard\'s "bad ports"); choose another (got "10080")',
  ]);
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
  // KAFKA_PORT is turned off here; EDGE_PEER_PORT is off unless set (one edge has no peers).
  expect([...variables].sort()).toEqual(declared.filter((v) => v !== 'KAFKA_PORT' && v !== 'EDGE_PEER_PORT').sort());
  expect(plannedPorts(loadSettings({ EDGE_PEER_PORT: '8090' })).find((p) => p.variable === 'EDGE_PEER_PORT')?.port).toBe(8090);
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

test('Slack and email receivers are on only when their settings are there; each problem is named, no secret is echoed or kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'receivers-'));
  const slackFile = join(dir, 'slack');
  writeSecretFile(slackFile, 'https://hooks.slack.com/services/T0/B0/S3CRET\n');
  expect(loadSettings({}).monitoring.people).toEqual({});
  const both = loadSettings({ ALERT_SLACK_WEBHOOK_URL_FILE: slackFile, ALERT_EMAIL_TO: 'a@example.com, b@example.com', ALERT_EMAIL_FROM: 'am@example.com', ALERT_SMTP_SMARTHOST: 'smtp.example.com:587' });
  expect(both.monitoring.people).toEqual({
    slack: { webhookUrlFile: slackFile, channel: undefined },
    email: { to: ['a@example.com', 'b@example.com'], from: 'am@example.com', smarthost: 'smtp.example.com:587', username: undefined, passwordFile: undefined, requireTls: true },
  });
  expect(JSON.stringify(both)).not.toContain('S3CRET');

  expect(problemsOf({ ALERT_EMAIL_TO: 'a@example.com' })).toEqual(['email alerts need ALERT_EMAIL_TO, ALERT_EMAIL_FROM and ALERT_SMTP_SMARTHOST together (missing ALERT_EMAIL_FROM, ALERT_SMTP_SMARTHOST)']);
  expect(problemsOf({ ALERT_EMAIL_TO: 'not-an-address', ALERT_SMTP_SMARTHOST: 'smtp.example.com' })).toEqual([
    'ALERT_EMAIL_TO.0: must be e-mail addresses, comma-separated (got "not-an-address")',
    'ALERT_SMTP_SMARTHOST: must be host:port, such as smtp.example.com:587 (got "smtp.example.com")',
  ]);
  chmodSync(slackFile, 0o644);
  expect(problemsOf({ ALERT_SLACK_WEBHOOK_URL_FILE: slackFile, ALERT_SMTP_PASSWORD_FILE: join(dir, 'missing') })).toEqual([
    `ALERT_SLACK_WEBHOOK_URL_FILE names ${slackFile}, which others may read: chmod 600 ${slackFile}`,
    'email alerts need ALERT_EMAIL_TO, ALERT_EMAIL_FROM and ALERT_SMTP_SMARTHOST together (missing ALERT_EMAIL_TO, ALERT_EMAIL_FROM, ALERT_SMTP_SMARTHOST)',
    'ALERT_SMTP_PASSWORD_FILE needs ALERT_SMTP_USERNAME',
    `ALERT_SMTP_PASSWORD_FILE names ${join(dir, 'missing')}, which cannot be read (ENOENT)`,
  ]);
  writeSecretFile(slackFile, 'ftp://hooks.example/S3CRET');
  expect(problemsOf({ ALERT_SLACK_WEBHOOK_URL_FILE: slackFile })).toEqual(['ALERT_SLACK_WEBHOOK_URL_FILE (its content) must be an http or https URL']);
});

test('the edge certificate, the service accounts, a node\'s services, the log store user and the operator files are settings too: checked with the rest, read from the model', () => {
  const problems = problemsOf({ PLATFORM_SERVICES: 'users=2,orders', PLATFORM_SERVICE_USER: 'Svc', LOG_STORE_USERNAME: 'has space', JAEGER_QUERY_URL: 'jaeger' });
  expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['JAEGER_QUERY_URL', 'LOG_STORE_USERNAME', 'PLATFORM_SERVICES.1', 'PLATFORM_SERVICE_USER']);
  const settings = loadSettings({
    EDGE_TLS_CERT_FILE: '/etc/edge/cert.pem',
    PLATFORM_SERVICES: 'users=2, orders=1',
    PLATFORM_SERVICE_USER: 'apps',
    GATEWAY_ROUTE_GRANTS_FILE: '/etc/grants.json',
    LOG_STORE_USERNAME: 'jaeger',
    LOG_STORE_PASSWORD_FILE: '/etc/log-store.password',
    JAEGER_QUERY_URL: 'http://10.0.4.10:16686',
  });
  expect(settings.edge.tlsCertFile).toBe('/etc/edge/cert.pem');
  expect(settings.services).toEqual({ userPrefix: 'apps', onNode: ['users=2', 'orders=1'], routeGrantsFile: '/etc/grants.json' });
  expect(settings.logs).toMatchObject({ storeUsername: 'jaeger', storePasswordFile: '/etc/log-store.password' });
  expect(settings.tracing.queryUrl).toBe('http://10.0.4.10:16686');
  expect(loadSettings({ JAEGER_QUERY_PORT: '17000' }).tracing.queryUrl).toBe('http://127.0.0.1:17000');
});
