import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Registry } from 'prom-client';
import { startPostgresServer, type PostgresServerNode } from '@platform/postgres';
import { freePort } from '@platform/process-runner';
import { createLogger, dbConfigShape, loadConfig, openDatabase } from '@platform/service-kit';

/**
 * One database node of the cloud layout on loopback: the server on 127.0.0.21 with a certificate
 * and the client network 127.0.0.0/24. Clients connect from 127.0.0.5, another machine as far
 * as pg_hba is concerned (the server's own address and 127.0.0.1 count as the node itself).
 */
const HOST = '127.0.0.21';
const CLIENT = '127.0.0.5';
let root: string;
let node: PostgresServerNode;
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
  const client = new Client({ host: HOST, port: node.server.port, user, database, password, stream: fromClientAddress, ssl: ssl ? { ca: cert } : false, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const res = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return { ssl: res.rows[0]?.ssl ?? false };
  } finally {
    await client.end();
  }
}

/** A self-signed certificate for HOST made with openssl: <root>/<name>-cert.pem and -key.pem. */
function selfSigned(name: string): string {
  const certPath = join(root, `${name}-cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=postgres', '-addext', `subjectAltName=IP:${HOST}`, '-keyout', join(root, `${name}-key.pem`), '-out', certPath], { stdio: 'ignore' });
  return certPath;
}

/** The kit's pools as a service opens them, with DB_TLS_CA_FILE set to `caFile`. */
async function kitReadsOverTls(caFile: string): Promise<boolean> {
  const config = loadConfig({ DB_WRITE_URL: `postgresql://platform_app@${HOST}:${node.server.port}/platform`, DB_PASSWORD_FILE: node.secrets.passwordFile('app'), DB_TLS_CA_FILE: caFile, DB_CONNECT_TIMEOUT_MS: '2000' }, dbConfigShape);
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
  node = await startPostgresServer({ stateDir: join(root, 'state'), name: 'db-1', host: HOST, port: await freePort(HOST), clientCidrs: ['127.0.0.0/24'], tls: { certFile, keyFile } });
});

afterAll(async () => {
  await node?.stop();
  rmSync(root, { recursive: true, force: true });
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
