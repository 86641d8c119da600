import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { READER_TOKEN } from '@platform/consul';
import { PlatformError, startUntilReady, waitFor } from '@platform/process-runner';
import { withProgress } from '../command/progress';
import { installComponents } from '../install';
import { unroutedInstances } from '../lb-view';
import { COMMAND_TOKENS, commandConsulToken, ensureRoleTokens } from '../consul-tokens';
import { instanceTable, runningState } from '../platform-view';
import { discoverServices } from '../service-catalog';
import { plannedPorts, takenPorts } from '../port-preflight';
import { loadSettings, statePaths } from '../settings';
import type { SupervisorPlan } from '../supervisor/plan';
import { readState, type SupervisorState } from '../supervisor/state';

export interface UpOptions {
  /** Instances for every service, overriding each service's default. */
  instances?: number;
  /** Per-service counts, `name=N`. */
  scale: Record<string, number>;
  skipInstall: boolean;
  /** --ha: Consul, Kafka and OpenSearch as clusters on loopback addresses (the same as PLATFORM_HA=on). */
  ha?: boolean;
}

const step = (message: string): void => {
  process.stdout.write(`▸ ${message}\n`);
};

export async function up(options: UpOptions): Promise<number> {
  if (!options.skipInstall) await installComponents();
  const settings = loadSettings(options.ha ? { ...process.env, PLATFORM_HA: 'on' } : process.env);
  const paths = statePaths(settings.stateDir);
  const already = runningState(settings.stateDir);
  if (already) {
    step(`the platform is already running (supervisor pid ${already.pid})`);
    // A platform started by an older version lacks the tokens added since: minted now, no restart.
    if (already.env.CONSUL_HTTP_ADDR) await ensureRoleTokens(settings, already.env.CONSUL_HTTP_ADDR, COMMAND_TOKENS);
    process.stdout.write(`${(await instanceTable(already, commandConsulToken(settings, READER_TOKEN))).text}\n`);
    return 0;
  }

  const taken = await takenPorts(plannedPorts(settings));
  if (taken.length > 0) {
    const list = taken.map((p) => `${p.host}:${p.port} (${p.variable})`).join(', ');
    throw new PlatformError('PLATFORM_PORT_IN_USE', `another process already listens on ${list}; stop it, or move the platform with the variable named (see README, Ports)`);
  }

  const services = discoverServices().map((s) => ({ name: s.name, entry: s.entry, instances: options.scale[s.name] ?? options.instances ?? s.defaultInstances }));
  for (const name of Object.keys(options.scale)) {
    if (!services.some((s) => s.name === name)) throw new PlatformError('PLATFORM_USAGE', `unknown service ${name} in --scale; known: ${services.map((s) => s.name).join(', ')}`);
  }
  for (const s of services) {
    if (!existsSync(s.entry)) throw new PlatformError('PLATFORM_SERVICE_NOT_BUILT', `${s.name} is not built (${s.entry} missing); run npm run build`);
  }
  mkdirSync(paths.logDir, { recursive: true });
  const plan: SupervisorPlan = { settings, services };
  writeFileSync(paths.planFile, JSON.stringify(plan, null, 2));

  const starting = `starting the supervisor, the platform components and ${services.map((s) => `${s.name}×${s.instances}`).join(', ')}`;
  let supervisorPid: number | undefined;
  const state = await withProgress(starting, async () => {
    let running: SupervisorState | undefined;
    await startUntilReady(process.execPath, [join(__dirname, '..', 'supervisor-main.js'), paths.planFile], {
      detached: true,
      outputFile: paths.supervisorLog,
      what: 'the supervisor (consul, the components and the services)',
      // Three JVMs per cluster under --ha start on the same cores.
      timeoutMs: settings.ha ? 240_000 : 90_000,
      intervalMs: 200,
      ready: (child) => {
        supervisorPid = child.pid;
        const current = readState(paths.stateFile);
        if (current?.pid === child.pid && current.phase === 'running') running = current;
        return running;
      },
      // A supervisor that never got running stops what it had started before it exits: give it time.
      stopOnFailure: (child) => child.stop(60_000),
    });
    return running as SupervisorState;
  }).catch((err: Error) => {
    // The supervisor records why it failed (the component and its error) before it exits.
    const failed = readState(paths.stateFile);
    const why = failed?.pid === supervisorPid && failed?.phase === 'failed' && failed.error ? failed.error : err.message;
    throw new PlatformError('PLATFORM_UP_FAILED', `${why}\nsee ${paths.supervisorLog}`, { cause: err });
  });

  const expected = services.reduce((n, s) => n + s.instances, 0);
  const view = await withProgress(`waiting for ${expected} instances to pass their health checks in Consul`, () => waitFor(
    async () => {
      const current = readState(paths.stateFile) ?? state;
      const seen = await instanceTable(current, commandConsulToken(settings, READER_TOKEN));
      const passing = current.instances.filter((i) => seen.consul.some((c) => c.id === i.id && c.health === 'passing'));
      return passing.length === current.instances.length && passing.length >= expected ? seen : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `all ${expected} instances to pass (run platform status to see which did not)` },
  ));
  // Passing in Consul is not yet callable: the load balancers apply it a moment later (a new
  // backend takes a reload), and `up` promises addresses that answer.
  const final = readState(paths.stateFile) ?? state;
  const planned = new Set(services.map((s) => s.name));
  await withProgress('waiting for the load balancers to route every instance', () =>
    waitFor(async () => (await unroutedInstances(view.consul, final.instances.filter((i) => planned.has(i.service)))).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the load balancers to route every instance (run platform status to see which they do not)',
    }),
  );
  process.stdout.write(`\n${view.text}\n\n`);
  for (const line of final.components.flatMap((c) => c.describe)) process.stdout.write(`${line}\n`);
  process.stdout.write(`Instances: curl http://<ADDRESS>/health/ready   status: npx platform status   logs: npx platform logs <service>   stop: npm run down\n`);
  return 0;
}
