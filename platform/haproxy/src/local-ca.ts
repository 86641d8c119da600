import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { PlatformError } from '@platform/process-runner';

/** The local edge's certificate files; `caCert` is what a client trusts (`curl --cacert`). */
export interface EdgeCertificate {
  caCert: string;
  cert: string;
  key: string;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const DAY_MS = 86_400_000;

const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A key file made 0600 before openssl writes into it, so the key is never readable by others. */
function privateFile(path: string): string {
  writeFileSync(path, '', { mode: 0o600 });
  return path;
}

const newKey = (path: string): void => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', privateFile(path)]);

function usable(certFile: string, names: readonly string[], minDays: number): boolean {
  if (!existsSync(certFile)) return false;
  const cert = new X509Certificate(readFileSync(certFile));
  if (Date.parse(cert.validTo) - Date.now() < minDays * DAY_MS) return false;
  return names.every((n) => (isIP(n) ? cert.checkIP(n) : cert.checkHost(n)) !== undefined);
}

function makeCa(dir: string, caCert: string): void {
  const caKey = join(dir, 'ca.key');
  newKey(caKey);
  openssl(['req', '-x509', '-new', '-key', caKey, '-out', caCert, '-days', '825', '-subj', '/CN=Platform local edge CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function makeServerCert(dir: string, files: EdgeCertificate, names: readonly string[]): void {
  const csr = join(dir, 'server.csr');
  const extensions = join(dir, 'server.ext');
  newKey(files.key);
  openssl(['req', '-new', '-key', files.key, '-out', csr, '-subj', '/CN=localhost']);
  const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(extensions, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  try {
    openssl(['x509', '-req', '-in', csr, '-CA', files.caCert, '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', files.cert, '-days', '397', '-extfile', extensions]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(extensions, { force: true });
  }
}

/**
 * A local CA and a server certificate for the edge, in `dir` (keys 0600), made once and kept
 * across `platform up`s so a client keeps trusting the same CA; the server certificate is made
 * again when it nears its end or lacks one of `hosts`. For local use: in the cloud the
 * certificate comes from the operator (EDGE_TLS_CERT_FILE).
 */
export function ensureEdgeCertificate(dir: string, hosts: readonly string[]): EdgeCertificate {
  const names = [...new Set(['localhost', '127.0.0.1', ...hosts])];
  const bad = names.filter((n) => isIP(n) === 0 && !HOSTNAME.test(n));
  if (bad.length > 0) throw new PlatformError('PLATFORM_EDGE_CERT_NAMES_INVALID', `the edge certificate's names must be IP addresses or host names: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files: EdgeCertificate = { caCert: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  if (!usable(files.caCert, [], 400) || !existsSync(join(dir, 'ca.key'))) makeCa(dir, files.caCert);
  else if (usable(files.cert, names, 30) && existsSync(files.key)) return files;
  makeServerCert(dir, files, names);
  return files;
}
