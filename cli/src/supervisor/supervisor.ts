import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { SERVICE_NAME } from '@platform/service-kit';
import { componentsFor } from '../components';
import { commandConsulToken, ensureServiceToken } from '../consul-tokens';
import { migrateServices } from '../migrate-services';
import { NODE_PASSTHROUGH } from '../node-role';
import { discoverServices, serviceFolder } from '../service-catalog';
import { recordRunning } from '../releases/release-history';
import { buildRelease, type Release } from '../releases/release-store';
import type { RunningComponent } from '../components/component';
import { statePaths } from '../settings';
import { startControlServer } from './control-server';
import { InstanceSlot } from './instance-slot';
import { prepareServiceAccount, type ServiceAccount } from './service-accounts';
import { revokeService, type Revocation } from './service-revocation';
import type { SupervisorPlan } from './plan';
import { removeLeftoverRegistration } from './leftover-registration';
import { writeState, type InstanceState, type SupervisorState } from './state';
import { DEPLOYER_TOKEN } from '@platform/consul';
import { PlatformError } from '@platform/process-runner';
import { startDeployMetrics, type DeployMetricsEndpoint } from '../deploys/deploy-metrics';
import { DeployRunner } from '../deploys/deploy-runner';
import { applyReleaseMigrations } from '../deploys/release-migrations';
import type { Fleet, FleetInstance } from '../deploys/fleet';

/** Time an instance gets to drain before it is killed: above the kit's default shutdown timeout. */
const INSTANCE_GRACE_MS = 35_000;

/** The lowest slot number (1, 2, …) not in `taken`. */
export function firstFreeSlot(taken: number[]): number {
  let slot = 1;
  while (taken.includes(slot)) slot += 1;
  return slot;
}

/** On a cloud node, what the node's environment file says of the parts that run elsewhere. */
function nodeEnvironment(plan: SupervisorPlan): Record<string, string> {
  if (plan.settings.node.role === 'all') return {};
  return Object.fromEntries(NODE_PASSTHROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

/**
 * The long-running process behind `platform up`: it starts the platform components in order
 * (components/index.ts), then every service instance on this node; restarts crashed instances;
 * and on `down` stops the instances first, then the components in reverse order.
 */
export class Supervisor {
  private readonly paths;
  private readonly slots = new Map<string, InstanceSlot[]>();
  /** Instances scaled away and still draining: listed, waited for on shutdown, their ids not reused. */
  private readonly leaving = new Map<InstanceSlot, Promise<void>>();
  private readonly state: SupervisorState;
  private readonly running: { name: string; component: RunningComponent }[] = [];
  private control: Server | undefined;
  /** Services added to the checkout while running, being migrated before their first instance. */
  private readonly adopting = new Map<string, Promise<void>>();
  private shuttingDown: Promise<void> | undefined;
  /** Each service's Consul token file, handed to its instances as CONSUL_HTTP_TOKEN_FILE. */
  private readonly tokenFiles = new Map<string, string>();
  /**
   * As root, each service's own OS account and the environment naming its copies of its files.
   * Only service instances switch: the components (lb-controllers keep root so HAProxy can bind and
   * drop to its own user; the database's role checks are started by the postgres component) stay.
   */
  private readonly accounts = new Map<string, ServiceAccount | undefined>();
  /** The release each service's new instances start from (a deploy changes it when it completes). */
  private readonly releases = new Map<string, Release>();

  private readonly deploys: DeployRunner;
  private deployMetrics: DeployMetricsEndpoint | undefined;

  constructor(private readonly plan: SupervisorPlan) {
    this.paths = statePaths(plan.settings.stateDir);
    this.state = { pid: process.pid, phase: 'starting', startedAt: new Date().toISOString(), components: [], env: nodeEnvironment(plan), instances: [] };
    this.deploys = new DeployRunner(this.fleet(), { stateDir: plan.settings.stateDir, releasesDir: plan.settings.releases.dir, keepReleases: plan.settings.releases.keep });
  }

  /** The supervisor's instances as deploys drive them (deploys/fleet.ts). */
  private fleet(): Fleet {
    const slotOf = (instance: FleetInstance): InstanceSlot => {
      const slot = [...this.slots.values()].flat().find((s) => s === instance);
      if (!slot) throw new PlatformError('PLATFORM_INTERNAL', `instance ${instance.state.id} is not supervised here`);
      return slot;
    };
    return {
      instances: (service) => [...(this.slots.get(service) ?? [])],
      running: (service) => this.releaseOf(service),
      start: (service, release) => this.addSlot(service, release),
      drain: (instance) => this.retire(slotOf(instance)),
      adopt: (service, release) => {
        this.releases.set(service, release);
        recordRunning(this.plan.settings.releases.dir, service, release.id);
      },
      migrate: (release) => applyReleaseMigrations(this.state.env, release),
      consul: () => ({ addr: this.state.env.CONSUL_HTTP_ADDR ?? '', token: commandConsulToken(this.plan.settings, DEPLOYER_TOKEN) }),
      log: (message) => this.log(message),
    };
  }

  log(message: string): void {
    appendFileSync(this.paths.supervisorLog, `${new Date().toISOString()} ${message}\n`);
  }

  private persist(): void {
    const componentInstances = this.running.flatMap(({ component }) => component.instances?.() ?? []);
    this.state.instances = [...componentInstances, ...[...this.slots.values()].flat().map((s) => s.state), ...[...this.leaving.keys()].map((s) => s.state)];
    this.state.components = this.running.map(({ name, component }) => ({ name, pids: component.pids(), describe: component.describe() }));
    writeState(this.paths.stateFile, this.state);
  }

  /** Starts everything; resolves with `failed` after cleaning up when start could not complete. */
  async run(): Promise<'running' | 'failed'> {
    mkdirSync(this.paths.logDir, { recursive: true });
    writeFileSync(this.paths.pidFile, String(process.pid));
    this.persist();
    this.control = await startControlServer(this.paths.socket, {
      'GET /state': async () => this.state,
      'POST /scale': async (body) => this.scale(body),
      'POST /remove': async (body) => this.remove(body),
      'POST /deploy': async (body) => this.whenRunning(() => this.deploys.deploy(body)),
      'POST /rollback': async (body) => this.whenRunning(() => this.deploys.rollback(body)),
      'POST /shutdown': async () => {
        setImmediate(() => void this.shutdown('requested by platform down'));
        return { stopping: true };
      },
    });
    try {
      for (const definition of componentsFor(this.plan.settings.node.role)) {
        this.log(`starting ${definition.name}`);
        const component = await definition.start({
          settings: this.plan.settings,
          stateDir: join(this.plan.settings.stateDir, definition.name),
          env: { ...this.state.env },
          log: (message) => this.log(`${definition.name}: ${message}`),
          changed: () => this.persist(),
        });
        this.running.push({ name: definition.name, component });
        Object.assign(this.state.env, component.env);
        this.persist();
      }
      // Without them deploys still run: logged, not fatal. Only on the all-in-one node, where
      // `platform deploy` runs: the endpoint is on loopback, which a cloud node's Prometheus (on the
      // monitoring node) could not reach, and cloud nodes take new releases with a new image.
      if (this.state.env.CONSUL_HTTP_ADDR && this.plan.settings.node.role === 'all') {
        this.deployMetrics = await Promise.resolve()
          .then(() => startDeployMetrics(this.fleet().consul(), this.plan.settings.nodeName, () => this.deploys.metricsText()))
          .catch((err: Error) => {
            this.log(`deploy metrics not registered in Consul: ${err.message}`);
            return undefined;
          });
      }
      for (const service of this.plan.services) await this.prepareService(service.name);
      for (const service of this.plan.services) this.setInstances(service.name, service.instances);
      this.state.phase = 'running';
      this.persist();
      this.log(`running: ${this.plan.services.map((s) => `${s.name}×${s.instances}`).join(', ')}`);
      return 'running';
    } catch (err) {
      this.state.phase = 'failed';
      this.state.error = err instanceof Error ? err.message : String(err);
      this.log(`start failed: ${this.state.error}`);
      await this.shutdown('start failed', 'failed');
      return 'failed';
    }
  }

  private setInstances(name: string, count: number): void {
    const service = this.plan.services.find((s) => s.name === name);
    if (!service) throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', `unknown service ${name}; known: ${this.plan.services.map((s) => s.name).join(', ')}`);
    const slots = this.slots.get(name) ?? [];
    this.slots.set(name, slots);
    while (slots.length < count) this.addSlot(name, this.releaseOf(name));
    for (const slot of slots.slice(count).reverse()) void this.retire(slot);
    service.instances = count;
  }

  private releaseOf(name: string): Release {
    const release = this.releases.get(name);
    if (!release) throw new PlatformError('PLATFORM_SERVICE_NOT_BUILT', `${name} has no release prepared`);
    return release;
  }

  /** Starts one more instance of `name` from `release`'s folder. */
  private addSlot(name: string, release: Release): InstanceSlot {
    const slots = this.slots.get(name) ?? [];
    this.slots.set(name, slots);
    const account = this.accounts.get(name);
    const slot = new InstanceSlot({
      service: name,
      entry: release.entry,
      release: release.id,
      // A draining instance still owns its id: its deregistration would remove a newcomer's.
      slot: firstFreeSlot([...slots, ...this.leaving.keys()].filter((s) => s.state.service === name).map((s) => s.state.slot)),
      nodeName: this.plan.settings.nodeName,
      logDir: this.paths.logDir,
      env: account?.env ?? this.instanceEnv(name),
      user: account?.user,
      cwd: release.dir,
      onChange: () => this.persist(),
      report: (message) => this.log(message),
    });
    slots.push(slot);
    slot.start();
    return slot;
  }

  /** Takes one instance out of the service and drains it (the kit's handshake); resolves once it stopped. */
  private retire(slot: InstanceSlot): Promise<void> {
    const slots = this.slots.get(slot.state.service) ?? [];
    if (slots.includes(slot)) slots.splice(slots.indexOf(slot), 1);
    // Its id stays taken (in `leaving`) until what a death during its shutdown left in Consul is gone.
    const done = slot.stop(INSTANCE_GRACE_MS).then(() => this.removeLeftover(slot.state)).finally(() => {
      this.leaving.delete(slot);
      this.persist();
    });
    this.leaving.set(slot, done);
    return done;
  }

  private async removeLeftover({ service, id }: InstanceState): Promise<void> {
    const consulAddr = this.state.env.CONSUL_HTTP_ADDR;
    const tokenFile = this.tokenFiles.get(service);
    if (!consulAddr || !tokenFile) return;
    try {
      if (await removeLeftoverRegistration(consulAddr, tokenFile, id)) this.log(`instance ${id} died during its shutdown and left its registration in Consul; deregistered it`);
    } catch (err) {
      this.log(`instance ${id}: could not check that it left no registration in Consul: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Before any instance of the service starts: mints (locally) or finds (cloud) its own Consul
   * token, then, as root, makes its OS account and hands it its files.
   */
  private async prepareService(name: string): Promise<void> {
    const consulAddr = this.state.env.CONSUL_HTTP_ADDR;
    if (!consulAddr) throw new PlatformError('PLATFORM_CONSUL_UNAVAILABLE', `cannot start ${name}: Consul is not running on this node`);
    this.tokenFiles.set(name, await ensureServiceToken(this.plan.settings, consulAddr, name));
    // Instances run from a release of the folder, never from the checkout: a restart keeps its code.
    const release = buildRelease(name, serviceFolder(name), this.plan.settings.releases.dir);
    this.releases.set(name, release);
    recordRunning(this.plan.settings.releases.dir, name, release.id);
    this.deploys.count(name);
    this.log(`${name}: release ${release.id} (${release.dir})`);
    const account = prepareServiceAccount({ service: name, userPrefix: this.plan.settings.services.userPrefix, entry: release.entry, stateDir: this.plan.settings.stateDir, logDir: this.paths.logDir, codeDir: release.dir, env: this.instanceEnv(name) });
    this.accounts.set(name, account);
    if (account) this.log(`${name}: instances run as ${account.user.name} (uid ${account.user.uid})`);
  }

  private instanceEnv(name: string): NodeJS.ProcessEnv {
    return { ...process.env, ...this.state.env, CONSUL_HTTP_TOKEN_FILE: this.tokenFileOf(name) };
  }

  private tokenFileOf(name: string): string {
    const file = this.tokenFiles.get(name);
    if (!file) throw new PlatformError('PLATFORM_CONSUL_TOKEN_MISSING', `no Consul token prepared for ${name}`);
    return file;
  }

  private async scale(body: unknown): Promise<{ service: string; instances: number }> {
    const { service, instances } = (body ?? {}) as { service?: unknown; instances?: unknown };
    if (typeof service !== 'string' || typeof instances !== 'number' || !Number.isInteger(instances) || instances < 0 || instances > 50) {
      throw new PlatformError('PLATFORM_USAGE', 'scale needs {"service": name, "instances": 0..50}');
    }
    if (this.state.phase !== 'running') throw new PlatformError('PLATFORM_BUSY', `cannot scale while the platform is ${this.state.phase}`);
    if (this.deploys.busy(service)) throw new PlatformError('PLATFORM_DEPLOY_BUSY', `${service} is being deployed: platform deploy status ${service}`);
    if (!this.plan.services.some((s) => s.name === service)) {
      const adoption = this.adopting.get(service) ?? this.adopt(service).finally(() => this.adopting.delete(service));
      this.adopting.set(service, adoption);
      await adoption;
    }
    this.setInstances(service, instances);
    this.log(`scaled ${service} to ${instances}`);
    this.persist();
    return { service, instances };
  }

  /**
   * A service folder a team added while the platform runs joins at its first `platform scale`,
   * found the way `platform up` finds services, with its schema migrated before any instance
   * starts: adding a service never needs the other services stopped.
   */
  private async adopt(name: string): Promise<void> {
    const known = discoverServices();
    const found = known.find((s) => s.name === name);
    if (!found) throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', `unknown service ${name}; services here: ${known.map((s) => s.name).join(', ')} (a service is a folder under services/ whose package.json has a "platform" section)`);
    if (!existsSync(found.entry)) throw new PlatformError('PLATFORM_SERVICE_NOT_BUILT', `${name} is not built (${found.entry} missing); run npm run build`);
    if (found.migrationsDir && this.state.env.DB_WRITE_URL) {
      const [outcome] = await migrateServices({ env: this.state.env, services: [name], direction: 'up' });
      this.log(`${name}: migrations ${outcome?.changed.length ? `applied ${outcome.changed.join(', ')}` : 'up to date'}`);
    }
    await this.prepareService(name);
    this.plan.services.push({ name, entry: found.entry, instances: 0 });
    this.log(`added service ${name} (${found.entry})`);
  }

  /**
   * `platform remove service`: its instances drain and stop as a scale to 0 does (callers of other
   * services see nothing), then the service leaves the plan and loses what `up` gave it (its
   * Consul token, its copies of secrets, the OS account the platform made); its folder stays.
   */
  private async remove(body: unknown): Promise<{ service: string; stopped: string[] } & Revocation> {
    const { service } = (body ?? {}) as { service?: unknown };
    if (typeof service !== 'string' || !SERVICE_NAME.test(service)) throw new Error('remove needs {"service": name}');
    if (this.state.phase !== 'running') throw new Error(`cannot remove a service while the platform is ${this.state.phase}`);
    if (this.deploys.busy(service)) throw new PlatformError('PLATFORM_DEPLOY_BUSY', `${service} is being deployed: platform deploy status ${service}`);
    const index = this.plan.services.findIndex((s) => s.name === service);
    if (index === -1) throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', `${service} is not running here; running: ${this.plan.services.map((s) => s.name).join(', ')}`);
    const stopped = (this.slots.get(service) ?? []).map((slot) => slot.state.id);
    this.setInstances(service, 0);
    await Promise.all([...this.leaving].filter(([slot]) => slot.state.service === service).map(([, done]) => done));
    this.plan.services.splice(index, 1);
    this.slots.delete(service);
    const revocation = await revokeService({ settings: this.plan.settings, consulAddr: this.state.env.CONSUL_HTTP_ADDR ?? '', service, account: this.accounts.get(service)?.user, logDir: this.paths.logDir });
    this.accounts.delete(service);
    this.tokenFiles.delete(service);
    this.persist();
    this.log(`removed service ${service} (${stopped.join(', ') || 'no instance'}); ${[...revocation.done, ...revocation.problems.map((p) => `${p.code}: ${p.message}`)].join('; ') || 'nothing to revoke'}`);
    return { service, stopped, ...revocation };
  }

  private whenRunning<T>(work: () => Promise<T>): Promise<T> {
    if (this.state.phase !== 'running') throw new PlatformError('PLATFORM_BUSY', `cannot deploy while the platform is ${this.state.phase}`);
    return work();
  }

  shutdown(reason: string, finalPhase: 'stopped' | 'failed' = 'stopped'): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.log(`stopping (${reason})`);
      if (this.state.phase !== 'failed') this.state.phase = 'stopping';
      this.persist();
      await Promise.all([...[...this.slots.values()].flat().map((slot) => slot.stop(INSTANCE_GRACE_MS)), ...this.leaving.values()]);
      await this.deployMetrics?.stop();
      for (const { name, component } of [...this.running].reverse()) {
        await component.stop().catch((err: Error) => this.log(`stopping ${name} failed: ${err.message}`));
      }
      this.state.phase = finalPhase;
      this.persist();
      this.control?.close();
      rmSync(this.paths.socket, { force: true });
      rmSync(this.paths.pidFile, { force: true });
      this.log('stopped');
    })();
    return this.shuttingDown;
  }
}

/**
 * Runs the supervisor in this process until a signal stops it: resolves with the exit code to use
 * when the start failed, and otherwise keeps running (the control socket holds the process open).
 */
export async function runSupervisor(plan: SupervisorPlan): Promise<number> {
  const supervisor = new Supervisor(plan);
  const stop = (signal: string) => void supervisor.shutdown(`signal ${signal}`).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => undefined);
  if ((await supervisor.run()) === 'failed') return 1;
  return new Promise<number>(() => undefined);
}

/** Entry point of the detached supervisor process: `node supervisor-main.js <plan.json>`. */
export async function supervisorMain(planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as SupervisorPlan;
  process.exit(await runSupervisor(plan));
}
