import { renderHba, type HbaInput } from '@platform/postgres';

interface Login {
  user: string;
  /** 'replication' for a replication connection, else the database asked for. */
  database: string;
  from: string;
  ssl: boolean;
}

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [net = '', bits = '32'] = cidr.split('/');
  if (net.includes(':') !== ip.includes(':')) return false;
  if (ip.includes(':')) return ip === net;
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (toInt(ip) & mask) >>> 0 === (toInt(net) & mask) >>> 0;
}

/** PostgreSQL's rule: the first line whose type, database, user and address match decides; none is a refusal. */
function admits(hba: string, login: Login): boolean {
  for (const line of hba.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
    const [type = '', database = '', user = '', address = '', method] = line.trim().split(/\s+/);
    if (type === 'hostssl' && !login.ssl) continue;
    if (database === 'all' ? login.database === 'replication' : database !== login.database) continue;
    if (user !== 'all' && user !== login.user) continue;
    if (!inCidr(login.from, address)) continue;
    return method === 'scram-sha-256';
  }
  return false;
}

const cloud: HbaInput = {
  host: '10.0.2.6',
  clientCidrs: ['10.0.0.0/16'],
  database: 'platform',
  tls: { certFile: '/s/tls-cert.pem', keyFile: '/s/tls-key.pem' },
};
const login = (user: string, database: string, from: string, ssl = true): Login => ({ user, database, from, ssl });

test('the superuser logs in from the machine itself only (loopback or the server’s own address), never from the network', () => {
  const hba = renderHba(cloud);
  expect(admits(hba, login('postgres', 'postgres', '127.0.0.1', false))).toBe(true);
  expect(admits(hba, login('postgres', 'postgres', '::1', false))).toBe(true);
  expect(admits(hba, login('postgres', 'postgres', '10.0.2.6', false))).toBe(true);
  expect(admits(hba, login('postgres', 'postgres', '10.0.3.9'))).toBe(false);
  expect(admits(hba, login('postgres', 'platform', '10.0.3.9'))).toBe(false);
});

test('replication, and pg_rewind into database postgres, are open to the replicator role alone, from the client networks, over TLS', () => {
  const hba = renderHba(cloud);
  expect(admits(hba, login('replicator', 'replication', '10.0.2.7'))).toBe(true);
  expect(admits(hba, login('replicator', 'postgres', '10.0.2.7'))).toBe(true);
  expect(admits(hba, login('replicator', 'postgres', '10.0.2.7', false))).toBe(false);
  expect(admits(hba, login('replicator', 'platform', '10.0.2.7'))).toBe(false);
  expect(admits(hba, login('replicator', 'replication', '10.0.2.7', false))).toBe(false);
  expect(admits(hba, login('replicator', 'replication', '192.168.1.4'))).toBe(false);
  expect(admits(hba, login('platform_app', 'replication', '10.0.2.7'))).toBe(false);
  expect(admits(hba, login('postgres', 'replication', '10.0.2.7'))).toBe(false);
});

test('the app role reaches its own database from the client networks over TLS, and nothing else does', () => {
  const hba = renderHba(cloud);
  expect(admits(hba, login('platform_app', 'platform', '10.0.5.20'))).toBe(true);
  expect(admits(hba, login('platform_app', 'platform', '10.0.5.20', false))).toBe(false);
  expect(admits(hba, login('platform_app', 'postgres', '10.0.5.20'))).toBe(false);
  expect(admits(hba, login('platform_monitor', 'platform', '10.0.5.20'))).toBe(false);
  expect(admits(hba, login('platform_app', 'platform', '172.16.0.3'))).toBe(false);
  expect(renderHba(cloud).split('\n').filter((l) => /^host\s/.test(l)).every((l) => /(127\.0\.0\.1\/32|::1\/128|10\.0\.2\.6\/32)/.test(l))).toBe(true);
});

test('without a certificate (the local layout) the same rules hold over plain TCP, and loopback alone needs no network', () => {
  const local = renderHba({ host: '127.0.0.1', database: 'platform' });
  expect(admits(local, login('postgres', 'postgres', '127.0.0.1', false))).toBe(true);
  expect(admits(local, login('replicator', 'replication', '127.0.0.1', false))).toBe(true);
  expect(admits(local, login('platform_app', 'platform', '10.0.0.4', false))).toBe(false);
  const plain = renderHba({ ...cloud, tls: undefined });
  expect(plain).not.toContain('hostssl');
  expect(admits(plain, login('platform_app', 'platform', '10.0.5.20', false))).toBe(true);
});

test('a client network or database name that could break a pg_hba line is refused before anything is written', () => {
  expect(() => renderHba({ ...cloud, clientCidrs: ['10.0.0.0/16 trust'] })).toThrow(/IPv4 CIDRs/);
  expect(() => renderHba({ ...cloud, clientCidrs: ['0.0.0.0'] })).toThrow(/IPv4 CIDRs/);
  expect(() => renderHba({ ...cloud, database: 'platform\nhost all all 0.0.0.0/0' })).toThrow(/invalid database name/);
  // pg_hba keywords would widen the line to every database.
  for (const keyword of ['all', 'sameuser', 'samerole', 'replication']) expect(() => renderHba({ ...cloud, database: keyword })).toThrow(/invalid database name/);
});
