import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findUser, runningAsRoot, sleep, waitFor } from '@platform/process-runner';
import { startLoad } from '../harness/load';
import { CHECKOUT_TURN_WAIT_MS, platformCli, platformCliAsync, platformTestEnv, takeCheckoutTurn } from '../harness/platform-cli';
import { repoRoot } from '../harness/service-process';

/**
 * `platform new service` on a running platform, as a team would type it. It writes into this
 * checkout (the supervisor finds services under its own services/), so the root files it
 * registers the service in are put back, and the generated folder removed, afterwards.
 */
const NAME = 'inventory';
const serviceDir = join(repoRoot, 'services', NAME);
const ROOT_FILES = ['package.json', 'tsconfig.json', 'package-lock.json'];
let saved: Map<string, string> | undefined;
let env: NodeJS.ProcessEnv;
let stateDir: string;
let platformStarted = false;
let edge: string;
let apiKey: string;
let releaseTurn: (() => void) | undefined;
/** The service's OS account was there before this run (an earlier run's, or an operator's): remove must keep it. */
const ACCOUNT = `platform-svc-${NAME}`;
let accountBefore: boolean;

const platform = (...args: string[]) => platformCli(env, ...args);
const instances = () => (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { instances: { id: string; service: string; pid: number | null }[] }).instances;
const consulHealth = async (service: string): Promise<{ Service: { ID: string }; Checks: { Status: string }[] }[]> => {
  const token = readFileSync(join(stateDir, 'consul', 'secrets', 'management.token'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${env.CONSUL_HTTP_PORT}/v1/health/service/${service}`, { headers: { 'x-consul-token': token } });
  return (await res.json()) as { Service: { ID: string }; Checks: { Status: string }[] }[];
};

beforeAll(async () => {
  releaseTurn = await takeCheckoutTurn();
  if (existsSync(serviceDir)) throw new Error(`${serviceDir} exists already: this test generates it, remove it first`);
  saved = new Map(ROOT_FILES.map((f) => [f, readFileSync(join(repoRoot, f), 'utf8')]));
  accountBefore = findUser(ACCOUNT) !== undefined;
  // The load below is one client as fast as it goes: above the edge's and the gateway's per-client limits.
  ({ env, stateDir } = await platformTestEnv({ GATEWAY_RATE_LIMIT_MAX: '10000000', EDGE_LIMIT_REQUEST_RATE: '0', EDGE_LIMIT_CONN_RATE: '0', DRAIN_MS: '500' }));
  platformStarted = true;
  const up = platform('up', '--instances', '1', '--skip-install');
  if (up.code !== 0) throw new Error(`platform up failed:\n${up.out}`);
  edge = `127.0.0.1:${env.EDGE_PORT}`;
  apiKey = readFileSync(join(stateDir, 'gateway', 'dev-api-key'), 'utf8').trim();
}, CHECKOUT_TURN_WAIT_MS + 180_000);

afterAll(() => {
  if (platformStarted) platform('down');
  // Only what this run generated: a folder that was there before it is not this test's to remove.
  if (saved) {
    rmSync(serviceDir, { recursive: true, force: true });
    rmSync(join(repoRoot, 'node_modules', '@platform', NAME), { force: true });
    for (const [file, text] of saved) writeFileSync(join(repoRoot, file), text);
  }
  releaseTurn?.();
});

// Every refusal's rule has its unit test (tests/unit/new-service.test.ts); here, that the command says no.
test('a name that is taken, or a route outside the name, is refused with exit 2 and writes nothing', () => {
  for (const [args, message] of [
    [['users'], 'services/users already exists'],
    [[NAME, '--route', '/users'], '--route /users is outside /inventory'],
  ] as const) {
    const run = platform('new', 'service', ...args);
    expect({ args, code: run.code, refused: run.out.includes(message) }).toEqual({ args, code: 2, refused: true });
  }
  expect(existsSync(serviceDir)).toBe(false);
  expect(readFileSync(join(repoRoot, 'package.json'), 'utf8')).toBe(saved?.get('package.json'));
});

test('platform new service inventory --db --route /inventory: routed with auth, in Consul, logged, scraped and documented; its own tests pass; nothing else restarted; remove drains it while users answers', async () => {
  const before = instances();
  const typed = Date.now();
  const created = platform('new', 'service', NAME, '--db', '--route', `/${NAME}`);
  expect(created).toMatchObject({ code: 0 });
  expect(created.out).toContain(`http://${edge}/${NAME}/items`);
  // Within 60 s of typing the command, with nothing else typed.
  const requestId = `new-service-${randomBytes(6).toString('hex')}`;
  const item = await waitFor(
    async () => {
      const res = await fetch(`http://${edge}/${NAME}/items`, { method: 'POST', headers: { 'x-api-key': apiKey, 'content-type': 'application/json', 'x-request-id': requestId }, body: JSON.stringify({ name: 'bolt' }) });
      // The write's position: a read that carries it sees the write, even on a replica (read-your-writes).
      return res.status === 201 ? { ...((await res.json()) as { id: string; name: string }), lsn: res.headers.get('x-db-lsn') ?? '' } : undefined;
    },
    { timeoutMs: Math.max(1, typed + 60_000 - Date.now()), intervalMs: 250, what: `POST /${NAME}/items through the edge to answer 201` },
  );
  const { lsn, ...created201 } = item;
  expect(created201.name).toBe('bolt');
  expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  expect((await fetch(`http://${edge}/${NAME}/items/${item.id}`)).status).toBe(401);
  expect((await (await fetch(`http://${edge}/${NAME}/items/${item.id}`, { headers: { 'x-api-key': apiKey, 'x-db-lsn': lsn } })).json()) as unknown).toEqual(created201);

  const registered = await consulHealth(NAME);
  expect(registered.map((e) => ({ id: e.Service.ID, passing: e.Checks.every((c) => c.Status === 'passing') }))).toEqual([{ id: `${NAME}-node-1-1`, passing: true }]);
  const docs = (await (await fetch(`http://${edge}/docs`, { headers: { 'x-api-key': apiKey } })).json()) as { paths: Record<string, unknown> };
  expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining([`/${NAME}/items`, `/${NAME}/items/{id}`]));
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${env.PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(`up{service="${NAME}"}`)}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result.some((r) => r.value[1] === '1');
    },
    { timeoutMs: 30_000, intervalMs: 500, what: `Prometheus to scrape ${NAME}` },
  );
  // The request's lines, from the gateway and from the new service, in the log store by its id.
  await waitFor(() => /inventory-node-1-1 INFO request completed/.test(platform('logs', '--request-id', requestId).out), { timeoutMs: 30_000, intervalMs: 1_000, what: `${NAME}'s lines for ${requestId} in the log store` });

  const after = instances();
  for (const old of before.filter((i) => i.pid !== null)) expect(after).toContainEqual(expect.objectContaining({ id: old.id, pid: old.pid }));

  // Removed while users is called through the edge: other services see nothing of it.
  const load = startLoad({ addr: edge, path: '/users?limit=1', host: 'edge', headers: { 'x-api-key': apiKey }, concurrency: 4 });
  await sleep(500);
  const tokenFile = join(stateDir, 'consul', 'secrets', 'tokens', `service-${NAME}`);
  const token = readFileSync(tokenFile, 'utf8').trim();
  const removed = await platformCliAsync(env, 'remove', 'service', NAME);
  await sleep(500);
  const result = await load.stop();
  expect(removed).toMatchObject({ code: 0 });
  expect(removed.out).toContain(`${NAME}-node-1-1 drained and stopped`);
  expect(result.failures).toEqual([]);
  expect(result.ok).toBeGreaterThan(20);
  expect(instances().filter((i) => i.service === NAME)).toEqual([]);
  expect(await consulHealth(NAME)).toEqual([]);
  expect(existsSync(join(serviceDir, 'package.json'))).toBe(true);
  expect(platform('remove', 'service', NAME).code).toBe(1);
  // What up gave it is taken back: its Consul token (refused from now on, file gone), its copies of secrets, and its OS account if the platform made it.
  expect(removed.out).toContain(`Consul token service-${NAME} revoked`);
  expect(existsSync(tokenFile)).toBe(false);
  expect((await fetch(`http://127.0.0.1:${env.CONSUL_HTTP_PORT}/v1/acl/token/self`, { headers: { 'x-consul-token': token } })).status).toBe(403);
  expect(existsSync(join(stateDir, 'run', NAME))).toBe(false);
  if (runningAsRoot()) {
    expect(findUser(ACCOUNT) !== undefined).toBe(accountBefore);
    expect(removed.out).toContain(accountBefore ? `OS user ${ACCOUNT} kept` : `OS user ${ACCOUNT} removed`);
  }

  // Last: a second jest is a burst of CPU, and on a small busy machine a starved Patroni can miss
  // its Consul TTL and cut every database session for a moment, which the load above would count.
  const generatedTests = runGeneratedTests();
  expect(generatedTests).toMatchObject({ code: 0 });
  expect(generatedTests.out).toMatch(/Tests:\s+3 passed, 3 total/);
});

/** The generated service's own jest tests, run by the repository's jest as the suite runs them. */
function runGeneratedTests() {
  const run = spawnSync(join(repoRoot, 'platform/with-node'), ['npx', 'jest', '--runInBand', `services/${NAME}/`], { cwd: repoRoot, encoding: 'utf8', env: process.env, timeout: 120_000 });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}
