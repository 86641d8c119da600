import { join } from 'node:path';
import { isIP } from 'node:net';
import { ensureEdgeCertificate } from '@platform/haproxy';
import type { PlatformSettings } from '../settings';

export interface EdgeTls {
  /** What the edge controller is started with (EDGE_TLS_BIND, and the certificate files when made here). */
  env: Record<string, string>;
  url: string;
  /** The local CA a client trusts; absent when the operator brought the certificate. */
  caCert?: string;
}

/**
 * HTTPS for the edge: the operator's certificate when EDGE_TLS_CERT_FILE names one (the cloud; the
 * controller receives the variable as it is), else the platform's local CA and a certificate for
 * localhost, 127.0.0.1 and EDGE_BIND_HOST, kept in the state folder across runs.
 */
export function edgeTls(settings: PlatformSettings, stateDir: string): EdgeTls | undefined {
  const { host, tlsPort } = settings.edge;
  if (tlsPort <= 0) return undefined;
  const bind = `${host}:${tlsPort}`;
  const url = `https://${isIP(host) === 6 ? `[${host}]` : host}:${tlsPort}/`;
  if (settings.edge.tlsCertFile) return { env: { EDGE_TLS_BIND: bind }, url };
  const names = host === '0.0.0.0' || host === '::' ? [] : [host];
  const files = ensureEdgeCertificate(join(stateDir, 'edge-tls'), names);
  return { env: { EDGE_TLS_BIND: bind, EDGE_TLS_CERT_FILE: files.cert, EDGE_TLS_KEY_FILE: files.key }, url, caCert: files.caCert };
}
