import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { commandLine, startDeployPlatform, type DeployPlatform } from '../harness/deploy-platform';
import { CHECKOUT_TURN_WAIT_MS, platformCliAsync, takeCheckoutTurn } from '../harness/platform-cli';
import { releaseVariant } from '../harness/release-variant';

/**
 * Rolling deploys and rollback on a whole platform (platform up, users ×2), under constant load
 * through the edge. The builds deployed are copies of services/users under another version
 * (tests/harness/release-variant.ts); the failing one carries the test fixture that exits at start.
 */

let platform: DeployPlatform;
let releaseTurn: (() => void) | undefined;
let firstRelease: string;

beforeAll(async () => {
  releaseTurn = await takeCheckoutTurn();
  platform = await startDeployPlatform();
}, CHECKOUT_TURN_WAIT_MS + 180_000);

afterAll(() => {
  platform?.cli('down');
  releaseTurn?.();
}, 120_000);

test('platform up runs every instance from one release folder, registered with its release, and platform releases lists it', async () => {
  const listed = JSON.parse(platform.cli('releases', 'users', '--json').out) as { releases: { id: string; running: boolean; instances: number; dir: string }[] };
  expect(listed.releases).toHaveLength(1);
  const [release] = listed.releases;
  expect(release).toMatchObject({ running: true, instances: 2 });
  firstRelease = release!.id;
  expect(firstRelease).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
  for (const instance of platform.running()) {
    expect(instance.release).toBe(firstRelease);
    expect(commandLine(instance.pid!)).toContain(join(release!.dir, 'dist/main.js'));
  }
  expect(Object.values(await platform.consulReleases())).toEqual([firstRelease, firstRelease]);
});

test('a rolling deploy under load through the edge fails no request, ends with every instance on the new release, and an old instance killed -9 meanwhile restarts on the old code', async () => {
  const load = platform.load();
  const deploying = platformCliAsync(platform.env, 'deploy', 'users', '--from', releaseVariant('users', '0.1.1'));
  // The first new instance is starting: kill the old instance the deploy drains last. A deploy
  // that ends before it failed: its output and the supervisor's log say why. (Its migrations may
  // wait up to 30 s for the write path first.)
  await Promise.race([
    waitFor(() => platform.running().some((i) => i.release !== firstRelease), { timeoutMs: 60_000, intervalMs: 100, what: 'the first new-release instance' }),
    deploying.then((run) => {
      throw new Error(`the deploy ended (exit ${run.code}) before a new-release instance ran:\n${run.out}\nsupervisor.log:\n${platform.supervisorLogTail()}`);
    }),
  ]);
  const victim = platform.running().filter((i) => i.release === firstRelease).sort((a, b) => b.id.localeCompare(a.id))[0]!;
  process.kill(victim.pid!, 'SIGKILL');
  const restarted = await waitFor(
    () => {
      const now = platform.instances().find((i) => i.id === victim.id);
      return now && now.restarts === 1 && now.pid !== null && now.pid !== victim.pid ? now : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50, what: `${victim.id} to be restarted` },
  );
  expect(restarted.release).toBe(firstRelease);
  expect(commandLine(restarted.pid!)).toContain(`/${firstRelease}/dist/main.js`);

  const result = await deploying;
  const served = await load.stop();
  expect(result.out).toContain('every instance runs 0.1.1-');
  expect(result.code).toBe(0);
  expect({ failures: served.failures.slice(0, 5), ok: served.ok > 100 }).toEqual({ failures: [], ok: true });
  process.stdout.write(`rolling deploy: ${served.failures.length} failed of ${served.sent} sent\n`);
  const newRelease = /release (0\.1\.1-[0-9a-f]{12})/.exec(result.out)![1]!;
  expect(platform.running().map((i) => i.release)).toEqual([newRelease, newRelease]);
  expect(Object.values(await platform.consulReleases())).toEqual([newRelease, newRelease]);
  const status = JSON.parse(platform.cli('deploy', 'status', 'users', '--json').out) as { deploy: { outcome: string; from: string; to: string } };
  expect(status.deploy).toMatchObject({ outcome: 'done', from: firstRelease, to: newRelease });
}, 150_000);

test('platform rollback returns to the previous release under load with no failed request', async () => {
  const load = platform.load();
  const result = await platformCliAsync(platform.env, 'rollback', 'users');
  const served = await load.stop();
  expect(result.out).toContain(`every instance runs ${firstRelease}`);
  expect(result.code).toBe(0);
  expect({ failures: served.failures.slice(0, 5), ok: served.ok > 50 }).toEqual({ failures: [], ok: true });
  process.stdout.write(`rollback: ${served.failures.length} failed of ${served.sent} sent\n`);
  expect(platform.running().map((i) => i.release)).toEqual([firstRelease, firstRelease]);
  const listed = JSON.parse(platform.cli('releases', 'users', '--json').out) as { releases: { id: string; running: boolean; previous: boolean; instances: number }[] };
  expect(listed.releases.find((r) => r.running)).toMatchObject({ id: firstRelease, instances: 2 });
}, 90_000);

test('a build that fails its health check stops the rolling deploy: exit 1, rolled back, the old release keeps both instances and no request fails', async () => {
  const load = platform.load();
  const result = await platformCliAsync(platform.env, 'deploy', 'users', '--from', releaseVariant('users', '0.1.2', { failStart: true }), '--health-timeout', '20s');
  const served = await load.stop();
  expect(result.out).toContain('PLATFORM_DEPLOY_ROLLED_BACK');
  expect(result.out).toMatch(/users-node-1-\d+ crashed/);
  expect(result.code).toBe(1);
  expect({ failures: served.failures.slice(0, 5), ok: served.ok > 10 }).toEqual({ failures: [], ok: true });
  await waitFor(() => platform.instances().every((i) => i.release === firstRelease), { timeoutMs: 40_000, intervalMs: 200, what: 'the failed instance to be gone' });
  expect(platform.running().map((i) => i.release)).toEqual([firstRelease, firstRelease]);
  const status = JSON.parse(platform.cli('deploy', 'status', 'users', '--json').out) as { deploy: { outcome: string } };
  expect(status.deploy.outcome).toBe('rolled back');
  // Prometheus finds the supervisor's counter through Consul, and DeployRolledBack fires.
  const query = `platform_deploys_total{service="users",strategy="rolling",kind="deploy",outcome="rolled-back"}`;
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${platform.env.PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === '1';
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'Prometheus to scrape platform_deploys_total = 1' },
  );
  await waitFor(() => platform.cli('alerts', '--json').out.includes('"name": "DeployRolledBack"'), { timeoutMs: 30_000, intervalMs: 1_000, what: 'DeployRolledBack to fire' });
}, 90_000);
