import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { ensureSystemUser, OS_USER_NAME, runningAsRoot } from '@platform/process-runner';
import { ConfigError, env } from '@platform/service-kit';
import { z } from 'zod';
import type { Listener } from './render-config';
import { edgeMaps } from './edge-maps';
import { PEER_NAME } from './edge-peers';
import type { EdgeGateway, EdgeSettings } from './render-edge';

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
  /** The gateway's maps (routes, key hashes, client limits, JWT settings); `<LB_STATE_DIR>/maps` when unset. */
  EDGE_MAPS_DIR: z.string().regex(/^\/[A-Za-z0-9._/+-]+$/, 'must be an absolute path of letters, digits and ._/+-').optional(),
  /** The largest request body (by Content-Length) the edge passes on; 413 above it. */
  EDGE_BODY_LIMIT_BYTES: env.integerVar(1024, 1024 * 1024 * 1024).default('1048576'),
  /** How long a service may take to answer the edge (then 504). */
  EDGE_SERVER_TIMEOUT_MS: env.integerVar(100, 600_000).default('15000'),
  /** The per-client rate-limit window; the limits themselves come from the gateway at run time. */
  EDGE_CLIENT_LIMIT_WINDOW_S: env.integerVar(1, 86_400).default('60'),
  /** Started as root: the gateway's account, which owns the maps folder and the edge's map socket (level operator). */
  EDGE_GATEWAY_USER: z.string().regex(OS_USER_NAME, 'must be an OS account name').optional(),
  /**
   * The port this edge's `peers` listener takes, on the address the controller registers with
   * (its SERVICE_ADDRESS or HOST). Set, the edges that register one find each other in Consul and
   * share the per-client table; unset, this edge keeps its own.
   */
  EDGE_PEER_PORT: env.integerVar(1, 65535).optional(),
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

/** Who this edge is among its peers: its controller's instance id, on the address it registers with. */
export interface PeerIdentity {
  name: string;
  host: string;
}

/** The name an edge that shares its table with no other takes as its own only peer. */
export const LOCAL_PEER = 'local';

/**
 * Until Consul names the others, an edge with a peer port is alone in its `peers` section. One
 * without is its own only peer, on an abstract socket named after its state folder (unique on the
 * host): no other edge reaches it, but a reload hands the table to the new worker through it.
 */
function peers(config: EdgeConfig, stateDir: string, self: PeerIdentity | undefined): EdgeGateway['peers'] {
  if (config.EDGE_PEER_PORT === undefined || !self) {
    const abstractSocket = `platform-edge-peer-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}`;
    return { self: LOCAL_PEER, members: [{ name: LOCAL_PEER, addr: { abstractSocket } }] };
  }
  if (!PEER_NAME.test(self.name)) throw new ConfigError([`INSTANCE_ID: ${JSON.stringify(self.name)} cannot name an edge peer (letters, digits and ._-, at most 64)`]);
  if (!isIPv4(self.host)) throw new ConfigError([`SERVICE_ADDRESS/HOST: ${JSON.stringify(self.host)} must be an IPv4 address for the edge's peers listener`]);
  return { self: self.name, members: [{ name: self.name, addr: { host: self.host, port: config.EDGE_PEER_PORT } }] };
}

function gatewaySettings(config: EdgeConfig, stateDir: string, self: PeerIdentity | undefined): EdgeGateway {
  // Only root can hand the folder and the socket to another account; anyone else keeps them.
  const owner = config.EDGE_GATEWAY_USER && runningAsRoot() ? ensureSystemUser(config.EDGE_GATEWAY_USER) : undefined;
  return {
    maps: edgeMaps(config.EDGE_MAPS_DIR ?? join(stateDir, 'maps'), owner),
    controlSocket: { path: join(stateDir, 'gateway.sock'), user: owner?.name },
    luaFile: join(__dirname, '..', 'lua', 'edge-path.lua'),
    bodyLimitBytes: config.EDGE_BODY_LIMIT_BYTES,
    serverTimeoutMs: config.EDGE_SERVER_TIMEOUT_MS,
    clientWindowS: config.EDGE_CLIENT_LIMIT_WINDOW_S,
    peers: peers(config, stateDir, self),
  };
}

export function edgeSettings(config: EdgeConfig & { TRACING_SAMPLE_RATIO?: number }, stateDir: string, self?: PeerIdentity): EdgeSettings {
  const limits = { connRate: config.EDGE_LIMIT_CONN_RATE, requestRate: config.EDGE_LIMIT_REQUEST_RATE, authFailures: config.EDGE_LIMIT_AUTH_FAILURES };
  const gateway = { ...gatewaySettings(config, stateDir, self), traceSampleRatio: config.TRACING_SAMPLE_RATIO };
  if (!config.EDGE_TLS_BIND) return { limits, gateway };
  if (!config.EDGE_TLS_CERT_FILE) throw new ConfigError(['EDGE_TLS_CERT_FILE: is required when EDGE_TLS_BIND is set']);
  const bind: Listener = config.EDGE_TLS_BIND;
  return { tls: { bind, pemFile: edgePem(config.EDGE_TLS_CERT_FILE, config.EDGE_TLS_KEY_FILE, stateDir) }, limits, gateway };
}
