import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@platform/process-runner';
import { releaseLock, tryLock } from './folder-lock';
import { repoRoot } from './service-process';

/** The built CLI's entry, run with this Node.js. */
export const CLI_ENTRY = join(repoRoot, 'cli/dist/bin.js');

export interface CliRun {
  code: number | null;
  out: string;
}

/**
 * A platform of the test's own: a fresh state folder and every port moved to a free one, so it
 * runs beside the developer's platform and other tests' (`platform up` refuses a taken port).
 */
export async function platformTestEnv(extra: Record<string, string> = {}): Promise<{ env: NodeJS.ProcessEnv; stateDir: string }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'platform-e2e-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    // Where the components are installed, when not in this checkout's .platform (a worktree).
    ...(process.env.PLATFORM_HOME ? { PLATFORM_HOME: process.env.PLATFORM_HOME } : {}),
    PLATFORM_STATE_DIR: stateDir,
    // Its own releases too: the checkout's .platform/releases stays the developer's.
    PLATFORM_RELEASES_DIR: join(stateDir, 'releases'),
    CONSUL_HTTP_PORT: String(await freePort()),
    CONSUL_SERVER_PORT: String(await freePort()),
    CONSUL_SERF_LAN_PORT: String(await freePort()),
    CONSUL_DNS_PORT: '-1',
    // Free ports for the database servers and their role checks, so a running platform is no obstacle.
    POSTGRES_PORT: '0',
    POSTGRES_ROLE_CHECK_PORT: '0',
    POSTGRES_PATRONI_PORT: '0',
    EDGE_PORT: String(await freePort()),
    EDGE_TLS_PORT: String(await freePort()),
    INTERNAL_LB_PORT: String(await freePort()),
    DB_LB_WRITE_PORT: String(await freePort()),
    DB_LB_READ_PORT: String(await freePort()),
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    OPENSEARCH_HTTP_PORT: String(await freePort()),
    OPENSEARCH_TRANSPORT_PORT: String(await freePort()),
    FILEBEAT_HTTP_PORT: String(await freePort()),
    PROMETHEUS_PORT: String(await freePort()),
    ALERTMANAGER_PORT: String(await freePort()),
    CONSOLE_PORT: String(await freePort()),
    JAEGER_OTLP_PORT: String(await freePort()),
    JAEGER_QUERY_PORT: String(await freePort()),
    ...extra,
  };
  return { env, stateDir };
}

/** `platform <args>` run to its end, output and errors together. */
export function platformCli(env: NodeJS.ProcessEnv, ...args: string[]): CliRun {
  const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], { env, encoding: 'utf8', timeout: 150_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** The same without blocking this process, for commands run while the test sends load. */
export function platformCliAsync(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** `platform <args> --json` without blocking this process: what it printed on stdout, parsed. */
export function platformJsonAsync<T>(env: NodeJS.ProcessEnv, ...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`platform ${args.join(' ')} --json (exit ${code}) printed no JSON: ${out.slice(0, 300)} ${err.slice(0, 300)}`));
      }
    });
  });
}

/** Long enough for the other file's whole run: its platform up, its tests and its down. */
export const CHECKOUT_TURN_WAIT_MS = 600_000;

/**
 * Tests that start a platform from this checkout or add a folder under its services/ take turns:
 * \`platform up\` starts every service folder it finds, so one test's generated service would
 * join another's platform. The turn is a folder made atomically (mkdir), per checkout, holding the
 * taker's pid, so a turn whose jest worker died is taken over. Resolves with its release.
 */
export async function takeCheckoutTurn(): Promise<() => void> {
  const lock = join(tmpdir(), `platform-checkout-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 12)}.lock`);
  await waitFor(() => tryLock(lock), { timeoutMs: CHECKOUT_TURN_WAIT_MS, intervalMs: 500, what: `the other platform test of this checkout to finish (${lock})` });
  return () => releaseLock(lock);
}
