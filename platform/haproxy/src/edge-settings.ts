import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, env } from '@platform/service-kit';
import { z } from 'zod';
import type { Listener } from './render-config';
import type { EdgeSettings } from './render-edge';

/**
 * The edge controller's variables (README "Edge"). As everywhere, the environment wins over the
 * defaults written here and there is no other source. A limit of 0 turns it off.
 */
export const edgeConfigShape = {
  /** Where the edge serves HTTPS; unset, it serves plain HTTP only. */
  EDGE_TLS_BIND: env.hostPortVar.optional(),
  /** PEM certificate chain (with the key too, when EDGE_TLS_KEY_FILE is unset). */
  EDGE_TLS_CERT_FILE: z.string().min(1).optional(),
  EDGE_TLS_KEY_FILE: z.string().min(1).optional(),
  /** New connections per source address and 10 s. */
  EDGE_LIMIT_CONN_RATE: env.integerVar(0, 10_000_000).default('500'),
  /** Requests per source address and 10 s. */
  EDGE_LIMIT_REQUEST_RATE: env.integerVar(0, 10_000_000).default('2000'),
  /** The gateway's 401/403 answers per source address and minute. */
  EDGE_LIMIT_AUTH_FAILURES: env.integerVar(0, 10_000_000).default('20'),
};

type EdgeConfig = z.infer<z.ZodObject<typeof edgeConfigShape>>;

/**
 * Checks the certificate and key (parsed, and the key matches the certificate) and writes them as
 * the one PEM HAProxy loads, mode 0600 in the controller's state folder; HAProxy's master reads it
 * as the controller's user, before its workers drop privileges.
 */
function edgePem(certFile: string, keyFile: string | undefined, stateDir: string): string {
  const problems: string[] = [];
  let certPem = '';
  let keyPem = '';
  try {
    certPem = readFileSync(certFile, 'utf8');
    keyPem = keyFile ? readFileSync(keyFile, 'utf8') : certPem;
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) problems.push(`EDGE_TLS_KEY_FILE: the key does not belong to the certificate in ${certFile}`);
    if (Date.parse(cert.validTo) < Date.now()) problems.push(`EDGE_TLS_CERT_FILE: the certificate in ${certFile} expired on ${cert.validTo}`);
  } catch (err) {
    // The message names the file and what failed to parse, never the key's content.
    problems.push(`EDGE_TLS_CERT_FILE/EDGE_TLS_KEY_FILE: cannot use ${certFile}${keyFile ? ` and ${keyFile}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  mkdirSync(stateDir, { recursive: true });
  const pemFile = join(stateDir, 'edge.pem');
  const keyBlock = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(keyPem)?.[0] ?? '';
  const certBlocks = certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  writeFileSync(pemFile, `${[...certBlocks, keyBlock].join('\n')}\n`, { mode: 0o600 });
  return pemFile;
}

export function edgeSettings(config: EdgeConfig, stateDir: string): EdgeSettings {
  const limits = { connRate: config.EDGE_LIMIT_CONN_RATE, requestRate: config.EDGE_LIMIT_REQUEST_RATE, authFailures: config.EDGE_LIMIT_AUTH_FAILURES };
  if (!config.EDGE_TLS_BIND) return { limits };
  if (!config.EDGE_TLS_CERT_FILE) throw new ConfigError(['EDGE_TLS_CERT_FILE: is required when EDGE_TLS_BIND is set']);
  const bind: Listener = config.EDGE_TLS_BIND;
  return { tls: { bind, pemFile: edgePem(config.EDGE_TLS_CERT_FILE, config.EDGE_TLS_KEY_FILE, stateDir) }, limits };
}
