import { CodedError, errorCodeOf, PlatformError } from '@platform/process-runner';
import { SERVICE_NAME } from '@platform/service-kit';
import { EXIT, UsageError } from '../command/command';
import { printResult, progressStream } from '../command/output';
import { withProgress } from '../command/progress';
import { isFinished, readDeployStatus, type DeployStatus } from '../deploys/deploy-status';
import { compileService } from '../new-service/build-service';
import { runningState } from '../platform-view';
import { readHistory } from '../releases/release-history';
import { buildRelease, listReleases } from '../releases/release-store';
import { serviceFolder } from '../service-catalog';
import { loadSettings, repoRoot, statePaths } from '../settings';
import { callControl } from '../supervisor/control-server';
import { formatTable } from '../table';

const FOLLOW_EVERY_MS = 300;

function runningOrThrow(stateDir: string): void {
  if (!runningState(stateDir)) throw new PlatformError('PLATFORM_NOT_RUNNING', 'the platform is not running (start it with: npm run up)');
}

/** Prints the deploy's decisions as they come until `done` says so. */
async function follow(stateDir: string, started: DeployStatus, json: boolean, done: (s: DeployStatus) => boolean): Promise<DeployStatus> {
  const out = progressStream(json);
  let shown = 0;
  for (;;) {
    const now = readDeployStatus(stateDir, started.service);
    const status = now && now.startedAt === started.startedAt ? now : started;
    for (const decision of status.decisions.slice(shown)) out.write(`  ${decision.at.slice(11, 19)} ${decision.message}\n`);
    shown = status.decisions.length;
    if (done(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
  }
}

function ended(status: DeployStatus, json: boolean, success: DeployStatus['outcome'][]): number {
  printResult(json, status, (s) => `▸ ${s.kind} of ${s.service} to ${s.to}: ${s.outcome}`);
  if (success.includes(status.outcome)) return EXIT.ok;
  if (status.outcome === 'rolled back') throw new PlatformError('PLATFORM_DEPLOY_ROLLED_BACK', `${status.service} rolled back to ${status.from}: ${status.error ?? 'see platform deploy status'}`);
  // The supervisor's code where the failure has one (a failed migration), so the hint matches it.
  throw new CodedError(errorCodeOf(status), `${status.kind} of ${status.service} failed: ${status.error ?? 'see platform deploy status'}`);
}

export interface DeployFlags {
  strategy: string;
  weight?: number;
  analysisS?: number;
  keepS?: number;
  healthTimeoutS?: number;
  thresholds: { minRequests?: number; maxErrorIncrease?: number; maxP99Ratio?: number };
}

/** `platform deploy <service>`: builds a release here, the supervisor rolls it out, this follows it. */
export async function deploy(service: string, from: string | undefined, flags: DeployFlags, json: boolean): Promise<number> {
  // Checked before it names a folder to build.
  if (!SERVICE_NAME.test(service)) throw new UsageError(`${JSON.stringify(service)} is not a service name`);
  const settings = loadSettings();
  runningOrThrow(settings.stateDir);
  const stream = progressStream(json);
  const release = await withProgress(`building a release of ${service}`, async () => {
    if (!from) compileService(repoRoot, service);
    return buildRelease(service, from ?? serviceFolder(service), settings.releases.dir);
  }, stream);
  stream.write(`▸ release ${release.id} (${release.dir})\n`);
  const started = await callControl<DeployStatus>(statePaths(settings.stateDir).socket, 'POST', '/deploy', { service, release: release.id, ...flags });
  // Blue-green returns at the switch: the keep time goes on in the supervisor.
  return ended(await follow(settings.stateDir, started, json, (s) => s.outcome !== 'running'), json, ['done', 'keeping']);
}

/** `platform rollback <service>`: the supervisor decides how (instant during a keep or a canary, else rolling). */
export async function rollback(service: string): Promise<number> {
  const settings = loadSettings();
  runningOrThrow(settings.stateDir);
  const started = await callControl<DeployStatus>(statePaths(settings.stateDir).socket, 'POST', '/rollback', { service });
  const status = await follow(settings.stateDir, started, false, isFinished);
  // A deploy asked to roll back ends `rolled back`: for this command that is success.
  return ended(status, false, status.kind === 'deploy' ? ['rolled back'] : ['done']);
}

export async function deployStatus(service: string, json: boolean): Promise<number> {
  const status = readDeployStatus(loadSettings().stateDir, service) ?? null;
  printResult(json, { service, deploy: status }, ({ deploy: d }) =>
    d
      ? [`${d.kind} of ${service}: ${d.from ?? '-'} → ${d.to} (${d.strategy}), ${d.outcome}${isFinished(d) ? ` at ${d.finishedAt}` : ''}`, ...d.decisions.map((x) => `  ${x.at} ${x.message}`)].join('\n')
      : `no deploy of ${service} since this platform started`,
  );
  return EXIT.ok;
}

/** `platform releases --json`. */
export interface ReleasesView {
  service: string;
  releases: { id: string; createdAt: string; running: boolean; previous: boolean; instances: number; dir: string }[];
}

export async function releases(service: string, json: boolean): Promise<number> {
  const settings = loadSettings();
  const history = readHistory(settings.releases.dir, service);
  const instances = runningState(settings.stateDir)?.instances.filter((i) => i.service === service && i.pid !== null) ?? [];
  const view: ReleasesView = {
    service,
    releases: listReleases(settings.releases.dir, service).map((r) => ({ id: r.id, createdAt: r.createdAt, running: history.running === r.id, previous: history.previous === r.id, instances: instances.filter((i) => i.release === r.id).length, dir: r.dir })),
  };
  printResult(json, view, (v) =>
    v.releases.length === 0 ? `no release of ${service} (platform up or platform deploy makes one)` : formatTable(['release', 'created', 'instances', ''], v.releases.map((r) => [r.id, r.createdAt, String(r.instances), r.running ? 'running' : r.previous ? 'previous (rollback)' : ''])),
  );
  return EXIT.ok;
}
