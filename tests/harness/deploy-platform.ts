import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { signJwt, validClaims, writeGatewaySecrets } from './gateway';
import { httpRequest } from './http-client';
import { startLoad, type LoadResult } from './load';
import { platformCli, platformTestEnv } from './platform-cli';

/** One supervised instance as state.json lists it. */
export interface InstanceRow {
  service: string;
  id: string;
  release?: string;
  pid: number | null;
  state: string;
  restarts: number;
}

/**
 * A whole platform (platform up, users ×2) for deploy tests, called by `clients` callers of their
 * own (bearer JWTs with distinct subjects: a canary's split is by client; the local platform's
 * gateway takes one development API key), without per-client limits, and one database replica
 * (enough for deploys, and lighter to start).
 */
export async function startDeployPlatform(clients = 12): Promise<DeployPlatform> {
  const secrets = writeGatewaySecrets([]);
  const tokens = Array.from({ length: clients }, (_, i) => signJwt(secrets.jwtSecret, validClaims(`deploy-client-${i + 1}`, { exp: Math.floor(Date.now() / 1000) + 3600 })));
  const { env, stateDir } = await platformTestEnv({
    GATEWAY_JWT_SECRET_FILE: secrets.jwtSecretFile,
    GATEWAY_JWT_SETTINGS_FILE: secrets.jwtSettingsFile,
    GATEWAY_RATE_LIMIT_MAX: '10000000',
    // All the load comes from one address: the edge's per-source flood limits would answer 429.
    EDGE_LIMIT_REQUEST_RATE: '0',
    EDGE_LIMIT_CONN_RATE: '0',
    EDGE_LIMIT_AUTH_FAILURES: '0',
    POSTGRES_REPLICAS: '1',
    LOG_LEVEL: 'warn',
  });
  const up = platformCli(env, 'up', '--instances', '1', '--scale', 'users=2', '--skip-install');
  const platform = new DeployPlatform(env, stateDir, tokens);
  // The gateway pushes its JWT settings into the edge's maps a moment after up: until then 401.
  let answers: string[] = [];
  try {
    if (up.code !== 0) throw new Error(`platform up failed:\n${up.out}`);
    await waitFor(async () => (answers = await platform.answers()).every((a) => a === '200'), { timeoutMs: 30_000, intervalMs: 500, what: 'every client to be accepted at the edge' });
  } catch (err) {
    // The test's afterAll has no platform to stop when this throws: nothing may outlive it.
    platformCli(env, 'down');
    throw new Error(`${err instanceof Error ? err.message : String(err)}${answers.length > 0 ? `: ${answers.join(', ')}` : ''}`);
  }
  return platform;
}

export class DeployPlatform {
  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly stateDir: string,
    private readonly tokens: string[],
  ) {}

  cli(...args: string[]) {
    return platformCli(this.env, ...args);
  }

  instances(service = 'users'): InstanceRow[] {
    return (JSON.parse(readFileSync(join(this.stateDir, 'state.json'), 'utf8')) as { instances: InstanceRow[] }).instances.filter((i) => i.service === service);
  }

  running(service = 'users'): InstanceRow[] {
    return this.instances(service).filter((i) => i.state === 'running');
  }

  /** The supervisor log's last lines (deploy decisions, instance crashes): for a failure's message. */
  supervisorLogTail(lines = 30): string {
    return readFileSync(join(this.stateDir, 'logs', 'supervisor.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** The `release` meta each instance registered in Consul, by instance id. */
  async consulReleases(service = 'users'): Promise<Record<string, string>> {
    const token = readFileSync(join(this.stateDir, 'consul/secrets/management.token'), 'utf8').trim();
    const res = await fetch(`http://127.0.0.1:${this.env.CONSUL_HTTP_PORT}/v1/health/service/${service}`, { headers: { 'x-consul-token': token } });
    const entries = (await res.json()) as { Service: { ID: string; Meta: Record<string, string> } }[];
    return Object.fromEntries(entries.map((e) => [e.Service.ID, e.Service.Meta.release ?? '']));
  }

  /** Constant load on GET /users through the edge, one loop per client; stop() sums them. */
  load(): { stop(): Promise<LoadResult> } {
    const runs = this.tokens.map((token) => startLoad({ addr: `127.0.0.1:${this.env.EDGE_PORT}`, path: '/users?limit=1', host: 'localhost', headers: { authorization: `Bearer ${token}` }, concurrency: 1, maxMs: 120_000 }));
    return {
      async stop() {
        const results = await Promise.all(runs.map((r) => r.stop()));
        return { sent: results.reduce((n, r) => n + r.sent, 0), ok: results.reduce((n, r) => n + r.ok, 0), failures: results.flatMap((r) => r.failures), byInstance: new Map() };
      },
    };
  }

  /** One call per client: the statuses (with the answer when not 200). */
  async answers(): Promise<string[]> {
    return Promise.all(
      this.tokens.map(async (token) => {
        const res = await httpRequest(`127.0.0.1:${this.env.EDGE_PORT}`, '/users?limit=1', { host: 'localhost', headers: { authorization: `Bearer ${token}` } });
        return res.status === 200 ? '200' : `${res.status} ${res.body.slice(0, 200)}`;
      }),
    );
  }

  /** Which build answered each of `count` calls (the fixture's x-fixture-build header, '' without it). */
  async buildsServing(count: number): Promise<string[]> {
    const builds: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const res = await httpRequest(`127.0.0.1:${this.env.EDGE_PORT}`, '/users?limit=1', { host: 'localhost', headers: { authorization: `Bearer ${this.tokens[i % this.tokens.length]!}` } });
      builds.push(`${res.status} ${String(res.headers['x-fixture-build'] ?? '')}`);
    }
    return builds;
  }
}

export const commandLine = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
