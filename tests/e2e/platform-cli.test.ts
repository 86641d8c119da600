import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pidAlive, waitFor } from '@platform/process-runner';
import { repoRoot } from '../harness/service-process';

const cli = join(repoRoot, 'packages/cli/dist/bin.js');
let env: NodeJS.ProcessEnv;
let stateDir: string;

function platform(...args: string[]): { code: number | null; out: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 150_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Every process on the machine whose environment or command line mentions this test's state dir. */
function processesUsing(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const text = readFileSync(`/proc/${name}/environ`, 'latin1') + readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (text.includes(dir)) found.push(Number(name));
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'platform-e2e-'));
  env = {
    PATH: process.env.PATH,
    PLATFORM_STATE_DIR: stateDir,
    CONSUL_HTTP_PORT: String(await freePort()),
    CONSUL_SERVER_PORT: String(await freePort()),
    CONSUL_SERF_LAN_PORT: String(await freePort()),
    CONSUL_DNS_PORT: '-1',
  };
});

afterAll(() => {
  platform('down');
});

test('platform up, status, a crash reported and restarted, then down leaves no process', async () => {
  const upRun = platform('up', '--instances', '1', '--scale', 'users=2', '--skip-install');
  expect(upRun.out).toContain('waiting for 4 instances');
  expect(upRun.code).toBe(0);
  for (const id of ['gateway-node-1-1', 'orders-node-1-1', 'users-node-1-1', 'users-node-1-2']) {
    expect(upRun.out).toMatch(new RegExp(`${id}\\s+127\\.0\\.0\\.1:\\d+\\s+passing`));
  }

  const statusRun = platform('status');
  expect(statusRun.code).toBe(0);
  expect(statusRun.out.match(/passing/g)).toHaveLength(4);

  const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { pid: number; instances: { id: string; pid: number }[] };
  const victim = state.instances.find((i) => i.id === 'orders-node-1-1');
  process.kill(victim!.pid, 'SIGKILL');
  await waitFor(
    () => {
      const run = platform('status');
      return /orders-node-1-1\s+127\.0\.0\.1:\d+\s+passing\s+\d+\s+1/.test(run.out) && run.out.includes('! orders-node-1-1 crashed 1 time(s)');
    },
    { timeoutMs: 15_000, intervalMs: 500, what: 'the crash to be reported and the instance restarted' },
  );
  expect(readFileSync(join(stateDir, 'logs/supervisor.log'), 'utf8')).toContain('instance orders-node-1-1 crashed (exit code null, signal SIGKILL)');

  const before = processesUsing(stateDir);
  expect(before.length).toBeGreaterThanOrEqual(6); // supervisor, consul, four instances

  const downRun = platform('down');
  expect(downRun.code).toBe(0);
  expect(downRun.out).toContain('no platform process is left');
  expect(downRun.out).not.toContain('was still running');
  expect(before.filter(pidAlive)).toEqual([]);
  expect(processesUsing(stateDir)).toEqual([]);
  expect(platform('status').code).toBe(3);
});
