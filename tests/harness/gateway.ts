import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@platform/process-runner';
import { startTestLb, type TestLb } from './load-balancer';
import { entryPoints, repoRoot, startRegisteredService, type ServiceProcess } from './service-process';
import { stoppedAtEnd } from './stopped-at-end';

/** The fixture that echoes what reached it and can declare any gateway route. */
export const echoEntry = join(repoRoot, 'tests/dist/fixtures/echo-service.js');

export const JWT_ISSUER = 'https://auth.test.local';
export const JWT_AUDIENCE = 'platform-gateway';

export interface GatewaySecrets {
  dir: string;
  apiKeysFile: string;
  jwtSecretFile: string;
  jwtSecret: string;
  /** Issuer, audience and tolerance (GATEWAY_JWT_SETTINGS_FILE), which the gateway follows while running. */
  jwtSettingsFile: string;
  /** Plain API keys by client id; only their SHA-256 is in the file. */
  keys: Record<string, string>;
}

/**
 * Writes an API key file (hashes only, as operators would), a JWT secret file and the JWT settings file. `limits` gives
 * clients their own rate limit.
 */
export function writeGatewaySecrets(clients: string[], limits: Record<string, number> = {}): GatewaySecrets {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-secrets-'));
  const keys: Record<string, string> = {};
  const entries = clients.map((clientId) => {
    const key = randomBytes(32).toString('base64url');
    keys[clientId] = key;
    const sha256 = createHash('sha256').update(key).digest('hex');
    return limits[clientId] === undefined ? { clientId, sha256 } : { clientId, sha256, rateLimitMax: limits[clientId] };
  });
  const apiKeysFile = join(dir, 'api-keys.json');
  writeFileSync(apiKeysFile, JSON.stringify({ keys: entries }, null, 2), { mode: 0o600 });
  const jwtSecret = randomBytes(48).toString('base64url');
  const jwtSecretFile = join(dir, 'jwt-secret');
  writeFileSync(jwtSecretFile, `${jwtSecret}\n`, { mode: 0o600 });
  const jwtSettingsFile = join(dir, 'jwt-settings.json');
  writeFileSync(jwtSettingsFile, JSON.stringify({ issuer: JWT_ISSUER, audience: JWT_AUDIENCE }));
  return { dir, apiKeysFile, jwtSecretFile, jwtSecret, jwtSettingsFile, keys };
}

/** An HS256 JWT made with node:crypto alone, independent of the library the gateway verifies with. */
export function signJwt(secret: string, claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export const validClaims = (sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const now = Math.floor(Date.now() / 1000);
  return { sub, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 300, ...extra };
};

export interface RunningGateway {
  /** The gateway's control plane (routes, keys and limits into the edge's maps; /docs). */
  proc: ServiceProcess;
  /** The edge HAProxy: the gateway's data path, where callers send their requests. */
  edge: TestLb;
  /** Every edge the gateway feeds (one unless started with several). */
  edges: TestLb[];
  /** The maps folder the gateway writes and every edge loads (a later edge started on it loads them too). */
  mapsDir: string;
  /** The edge's address: what a caller calls. */
  base: string;
  /** The gateway process itself (its /health and /metrics, which the edge does not route). */
  direct: string;
  stop(): Promise<void>;
}

/**
 * Starts the gateway as the platform runs it: an edge HAProxy with its controller (`edgeEnv`: its
 * EDGE_* variables) and the gateway process filling the edge's maps, on known ports; resolves once
 * Consul lists both as passing.
 */
export function startGateway(consulAddr: string, internalLb: string, secrets: GatewaySecrets, env: Record<string, string> = {}, edgeEnv: Record<string, string> = {}): Promise<RunningGateway> {
  return startGatewayWithEdges(consulAddr, internalLb, secrets, env, [edgeEnv]);
}

/** The same with several edges (each with its own `edgeEnvs` entry), all loading the same maps. */
export async function startGatewayWithEdges(consulAddr: string, internalLb: string, secrets: GatewaySecrets, env: Record<string, string>, edgeEnvs: Record<string, string>[]): Promise<RunningGateway> {
  const mapsDir = mkdtempSync(join(tmpdir(), 'edge-maps-'));
  const edges = await Promise.all(edgeEnvs.map((edgeEnv) => startTestLb(consulAddr, 'edge', { EDGE_MAPS_DIR: mapsDir, ...edgeEnv })));
  const edge = edges[0] as TestLb;
  const port = await freePort();
  const proc = await startRegisteredService(entryPoints.gateway, 'gateway', consulAddr, {
    PORT: String(port),
    INTERNAL_LB_ADDR: internalLb,
    GATEWAY_EDGE_MAPS_DIR: mapsDir,
    GATEWAY_EDGE_SOCKETS: edges.map((e) => join(e.dir, 'gateway.sock')).join(','),
    GATEWAY_API_KEYS_FILE: secrets.apiKeysFile,
    GATEWAY_JWT_SECRET_FILE: secrets.jwtSecretFile,
    GATEWAY_JWT_SETTINGS_FILE: secrets.jwtSettingsFile,
    DRAIN_MS: '0',
    ...env,
  });
  const stop = async (): Promise<void> => {
    await proc.child.stop(3_000);
    await Promise.all(edges.map((e) => e.stop()));
  };
  return stoppedAtEnd({ proc, edge, edges, mapsDir, base: `http://${edge.addr}`, direct: `http://127.0.0.1:${port}`, stop });
}

/** Starts the echo fixture on a known port, declaring `prefix` as its gateway route. */
export async function startEcho(consulAddr: string, name: string, prefix: string, auth: 'required' | 'public' = 'required', env: Record<string, string> = {}): Promise<{ proc: ServiceProcess; addr: string }> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = await startRegisteredService(echoEntry, name, consulAddr, {
    PORT: String(port),
    FIXTURE_SERVICE_NAME: name,
    FIXTURE_GATEWAY_PREFIX: prefix,
    FIXTURE_GATEWAY_AUTH: auth,
    DRAIN_MS: '0',
    ...env,
  });
  return { proc, addr: `127.0.0.1:${port}` };
}

/** The kit's problem+json body, which the gateway answers with too. */
export type { ProblemBody as Problem } from '@platform/service-kit';
