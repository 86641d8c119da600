import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { startDatabaseNode, withConnection, type DatabaseNode } from '@platform/postgres';
import { freePort, waitFor } from '@platform/process-runner';
import { createLogger, dbConfigShape, loadConfig, openDatabase } from '@platform/service-kit';
import { startTestConsul, type TestConsul } from '../harness/consul';

/**
 * Two database nodes of the cloud layout on loopback, started as `platform node` starts each
 * (startDatabaseNode): db-1 on 127.0.0.21 and db-2 on 127.0.0.22, each with its own state folder
 * holding the same passwords (as first boot places them from SSM), a certificate for its address
 * and the client network 127.0.0.0/24, both Patroni members on one Consul with the `patroni`
 * token. Clients connect from 127.0.0.5, another machine as far as pg_hba is concerned (the
 * server's own address and 127.0.0.1 count as the node itself).
 */
const HOSTS = ['127.0.0.21', '127.0.0.22'] as const;
const CLIENT = '127.0.0.5';
const PASSWORDS = { admin: randomBytes(18).toString('base64url'), app: randomBytes(18).toString('base64url'), replicator: randomBytes(18).toString('base64url'), monitor: randomBytes(18).toString('base64url') };
let root: string;
let consul: TestConsul;
let nodes: DatabaseNode[] = [];
/** The node whose member leads: the one the TLS logins go to. */
let node: DatabaseNode;
let HOST: string;
let cert: string;
let certFile: string;

/** A socket that connects from CLIENT, handed to pg as its stream. */
function fromClientAddress(): Socket {
  const socket = new Socket();
  const connect = socket.connect.bind(socket);
  socket.connect = ((port: number, host: string) => connect({ port, host, localAddress: CLIENT })) as Socket['connect'];
  return socket;
}

async function login(user: 'postgres' | 'platform_app', database: string, ssl: boolean): Promise<{ ssl: boolean }> {
  const password = readFileSync(node.secrets.passwordFile(user === 'postgres' ? 'admin' : 'app'), 'utf8').trim();
  const client = new Client({ host: HOST, port: node.member.port, user, database, password, stream: fromClientAddress, ssl: ssl ? { ca: cert } : false, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const res = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return { ssl: res.rows[0]?.ssl ?? false };
  } finally {
    await client.end();
  }
}

/** A self-signed certificate for both nodes' addresses made with openssl: <root>/<name>-cert.pem and -key.pem. */
function selfSigned(name: string): string {
  const certPath = join(root, `${name}-cert.pem`);
  const names = HOSTS.map((h) => `IP:${h}`).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=postgres', '-addext', `subjectAltName=${names}`, '-keyout', join(root, `${name}-key.pem`), '-out', certPath], { stdio: 'ignore' });
  return certPath;
}

/** One node's state folder with the cluster's passwords, as first boot leaves it. */
function nodeState(name: string): string {
  const secrets = join(root, name, 'secrets');
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  for (const [role, password] of Object.entries(PASSWORDS)) writeFileSync(join(secrets, `${role}.password`), password, { mode: 0o600 });
  return join(root, name);
}

/** The kit's pools as a service opens them, with DB_TLS_CA_FILE set to `caFile`. */
async function kitReadsOverTls(caFile: string): Promise<boolean> {
  const config = loadConfig({ DB_WRITE_URL: `postgresql://platform_app@${HOST}:${node.member.port}/platform`, DB_PASSWORD_FILE: node.secrets.passwordFile('app'), DB_TLS_CA_FILE: caFile, DB_CONNECT_TIMEOUT_MS: '2000' }, dbConfigShape);
  const logger = createLogger({ service: 'pg-tls-test', instanceId: 'pg-tls-test-1', node: 'test', level: 'error', toStdout: false });
  const db = await openDatabase({ service: 'pgtls', config, logger, registry: new Registry() });
  try {
    const res = await db.read.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return res.rows[0]?.ssl === true;
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  chmodSync(root, 0o711);
  certFile = selfSigned('tls');
  const keyFile = join(root, 'tls-key.pem');
  cert = readFileSync(certFile, 'utf8');
  consul = await startTestConsul();
  const consulTokenFile = await consul.tokenFile('patroni');
  // Started at once, as cloud nodes boot: Patroni lets one initialise and makes the other its replica.
  nodes = await Promise.all(
    HOSTS.map(async (host, i) => {
      const name = `db-${i + 1}`;
      return startDatabaseNode({ stateDir: nodeState(name), name, host, port: await freePort(host), restPort: await freePort(host), consulAddr: consul.httpAddr, consulTokenFile, clientCidrs: ['127.0.0.0/24'], tls: { certFile, keyFile } });
    }),
  );
  const leading = await Promise.all(nodes.map((n) => n.member.rest.isPrimary().catch(() => false)));
  node = nodes[leading.indexOf(true)] as DatabaseNode;
  HOST = node.member.host;
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.filter((n) => n !== node).map((n) => n.stop()));
  await node?.stop();
  await consul?.stop();
  rmSync(root, { recursive: true, force: true });
});

test('two database nodes started at once form one cluster: one leads, the other streams from it over TLS in synchronous mode', async () => {
  const other = nodes.find((n) => n !== node);
  if (!other) throw new Error('two nodes were not started');
  expect(await other.member.rest.isPrimary()).toBe(false);
  const streaming = await waitFor(
    () =>
      withConnection(node.connection('admin', 'postgres'), async (client) => {
        const res = await client.query<{ name: string; sync: string; ssl: boolean }>("SELECT r.application_name AS name, r.sync_state AS sync, s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming'");
        return res.rows.length === 1 && res.rows[0]?.sync === 'sync' ? res.rows : undefined;
      }),
    { timeoutMs: 30_000, intervalMs: 250, what: `${other.member.name} to stream synchronously from ${node.member.name}` },
  );
  expect(streaming).toEqual([{ name: other.member.name, sync: 'sync', ssl: true }]);
  // The platform's roles and database were made once, on the leader, and reached the replica.
  const onReplica = await withConnection(other.connection('admin', 'postgres'), async (client) => (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN ('platform_app', 'platform_monitor', 'replicator')")).rows[0]?.n);
  expect(onReplica).toBe(3);
});

test('the app role logs in from the client network over TLS verified against the server certificate', async () => {
  expect(await login('platform_app', 'platform', true)).toEqual({ ssl: true });
});

test('from the client network a login without TLS is refused, as is the superuser and any other database', async () => {
  await expect(login('platform_app', 'platform', false)).rejects.toThrow(/no pg_hba.conf entry .* no encryption/);
  await expect(login('postgres', 'postgres', true)).rejects.toThrow(/no pg_hba.conf entry for host "127.0.0.5", user "postgres"/);
  await expect(login('platform_app', 'postgres', true)).rejects.toThrow(/no pg_hba.conf entry/);
});

test('a service given DB_TLS_CA_FILE talks to the database over TLS, and refuses a server its CA did not sign', async () => {
  expect(await kitReadsOverTls(certFile)).toBe(true);
  await expect(kitReadsOverTls(selfSigned('other'))).rejects.toThrow(/self[- ]signed|unable to verify/);
});

test('the leading node lost (Patroni and PostgreSQL killed): the other node leads, and the lost one, started again, rejoins as its replica', async () => {
  const lost = node;
  const other = nodes.find((n) => n !== lost);
  if (!other) throw new Error('two nodes were not started');
  const killedAt = Date.now();
  for (const pid of [lost.member.pid, lost.member.postgresPid()]) if (pid !== undefined) process.kill(pid, 'SIGKILL');
  await waitFor(() => other.member.rest.isPrimary().catch(() => false), { timeoutMs: 30_000, intervalMs: 100, what: `${other.member.name} to take the leader lock` });
  console.log(`cloud pair: ${other.member.name} leads ${Date.now() - killedAt} ms after ${lost.member.name} was killed`);
  await lost.member.exited;
  await lost.member.restart();
  const timeline = (await other.member.rest.status()).timeline;
  await waitFor(
    async () => {
      const status = await lost.member.rest.status().catch(() => undefined);
      return status?.role === 'replica' && status.state === 'running' && status.timeline === timeline;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${lost.member.name} to follow ${other.member.name} on timeline ${timeline}` },
  );
  node = other;
  HOST = other.member.host;
  expect(await login('platform_app', 'platform', true)).toEqual({ ssl: true });
});
