import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgeSettings } from '@platform/haproxy/dist/edge-settings';
import { ensureEdgeCertificate } from '@platform/haproxy/dist/local-ca';

const limits = { EDGE_LIMIT_CONN_RATE: 1, EDGE_LIMIT_REQUEST_RATE: 2, EDGE_LIMIT_AUTH_FAILURES: 3, EDGE_BODY_LIMIT_BYTES: 1024, EDGE_SERVER_TIMEOUT_MS: 1000, EDGE_CLIENT_LIMIT_WINDOW_S: 60 };
const bind = { host: '127.0.0.1', port: 8443 };
const dir = (): string => mkdtempSync(join(tmpdir(), 'edge-settings-'));

test('a certificate and its key become one 0600 PEM for HAProxy; without a TLS bind there is no HTTPS', () => {
  const certs = ensureEdgeCertificate(join(dir(), 'tls'), ['edge.internal']);
  const state = dir();
  const settings = edgeSettings({ ...limits, EDGE_TLS_BIND: bind, EDGE_TLS_CERT_FILE: certs.cert, EDGE_TLS_KEY_FILE: certs.key }, state);
  expect(settings).toMatchObject({ tls: { bind, pemFile: join(state, 'edge.pem') }, limits: { connRate: 1, requestRate: 2, authFailures: 3 } });
  const pem = readFileSync(join(state, 'edge.pem'), 'utf8');
  expect(pem).toContain('BEGIN CERTIFICATE');
  expect(pem).toContain('PRIVATE KEY');
  expect(statSync(join(state, 'edge.pem')).mode & 0o777).toBe(0o600);
  // One PEM holding both works as well.
  const both = join(state, 'both.pem');
  writeFileSync(both, readFileSync(certs.cert, 'utf8') + readFileSync(certs.key, 'utf8'), { mode: 0o600 });
  expect(edgeSettings({ ...limits, EDGE_TLS_BIND: bind, EDGE_TLS_CERT_FILE: both }, dir()).tls).toBeDefined();
  const plain = edgeSettings(limits, dir());
  expect(plain.tls).toBeUndefined();
  expect(plain.limits).toEqual({ connRate: 1, requestRate: 2, authFailures: 3 });
});

test('the gateway maps start empty and private in the state folder; every edge is its own peer, with a peer port on the address it registers with', () => {
  const state = dir();
  const { gateway } = edgeSettings(limits, state);
  expect(gateway.maps.routes).toBe(join(state, 'maps', 'routes.map'));
  for (const file of Object.values(gateway.maps)) expect([readFileSync(file, 'utf8'), statSync(file).mode & 0o777]).toEqual(['', 0o600]);
  expect(statSync(join(state, 'maps')).mode & 0o777).toBe(0o700);
  // Without a peer port: its own only peer, on an abstract socket named after the state folder.
  expect(gateway.peers).toEqual({ self: 'local', members: [{ name: 'local', addr: { abstractSocket: expect.stringMatching(/^platform-edge-peer-[0-9a-f]{16}$/) } }] });
  expect(edgeSettings(limits, dir()).gateway.peers.members[0]?.addr).not.toEqual(gateway.peers.members[0]?.addr);
  const self = { name: 'lb-edge-node1', host: '10.0.1.5' };
  expect(edgeSettings({ ...limits, EDGE_PEER_PORT: 7001 }, dir(), self).gateway.peers).toEqual({ self: 'lb-edge-node1', members: [{ name: 'lb-edge-node1', addr: { host: '10.0.1.5', port: 7001 } }] });
  expect(() => edgeSettings({ ...limits, EDGE_PEER_PORT: 7001 }, dir(), { name: 'lb:edge@x', host: '10.0.1.5' })).toThrow(/INSTANCE_ID/);
  expect(() => edgeSettings({ ...limits, EDGE_PEER_PORT: 7001 }, dir(), { name: 'lb-edge', host: 'edge.internal' })).toThrow(/IPv4 address/);
});

test('a key of another certificate, an unreadable file or a missing certificate stops the controller, without echoing the key', () => {
  const a = ensureEdgeCertificate(join(dir(), 'a'), []);
  const b = ensureEdgeCertificate(join(dir(), 'b'), []);
  const problems = (config: Parameters<typeof edgeSettings>[0]): string => {
    try {
      edgeSettings(config, dir());
      return 'accepted';
    } catch (err) {
      return (err as Error & { problems?: string[] }).problems?.join('; ') ?? (err as Error).message;
    }
  };
  expect(problems({ ...limits, EDGE_TLS_BIND: bind, EDGE_TLS_CERT_FILE: a.cert, EDGE_TLS_KEY_FILE: b.key })).toContain('the key does not belong to the certificate');
  expect(problems({ ...limits, EDGE_TLS_BIND: bind, EDGE_TLS_CERT_FILE: '/nonexistent/cert.pem' })).toContain('cannot use /nonexistent/cert.pem');
  expect(problems({ ...limits, EDGE_TLS_BIND: bind })).toContain('EDGE_TLS_CERT_FILE: is required when EDGE_TLS_BIND is set');
  const message = problems({ ...limits, EDGE_TLS_BIND: bind, EDGE_TLS_CERT_FILE: b.key, EDGE_TLS_KEY_FILE: b.key });
  expect(message).not.toContain(readFileSync(b.key, 'utf8').split('\n')[1]);
});
