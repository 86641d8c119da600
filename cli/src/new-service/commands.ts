import { PlatformError, repoRoot } from '@platform/process-runner';
import { intFlag, UsageError } from '../command/command';
import { READER_TOKEN } from '@platform/consul';
import { commandConsulToken } from '../consul-tokens';
import { runningState } from '../platform-view';
import { loadSettings, statePaths } from '../settings';
import { callControl } from '../supervisor/control-server';
import { buildService } from './build-service';
import { checkRouteClaim, consulRoutes, grantedRoutes, loadGatewayGrants, type HeldRoute } from './route-claim';
import { checkNewServiceName, serviceNameProblem } from './service-name';
import { startOnPlatform } from './start-service';
import type { NewServiceOptions } from './templates/options';
import { registerWorkspace, writeService } from './write-service';

/** The flags of `platform new service`, as the registry declares them (registry/services.ts). */
export interface NewServiceFlags {
  db?: boolean;
  events?: boolean;
  route?: string;
  auth?: string;
  instances?: string;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function newServiceOptions(values: NewServiceFlags, name: string): NewServiceOptions {
  const instances = intFlag('instances', values.instances ?? '1', 1, 50) ?? 1;
  const route = values.route;
  const auth = values.auth ?? 'required';
  if (auth !== 'required' && auth !== 'public') throw new UsageError(`--auth must be required or public, got ${JSON.stringify(auth)}`);
  if (values.auth !== undefined && route === undefined) throw new UsageError('--auth applies to a --route; add --route /<name>');
  // The outbox is a table written in the same transaction as the data: events need the database.
  return { name, db: values.db === true || values.events === true, events: values.events === true, route, auth, instances };
}

/** `platform new service <name>`: writes, registers and builds it; starts it when the platform runs. */
export async function newService(name: string, values: NewServiceFlags): Promise<number> {
    const options = newServiceOptions(values, name);
    checkNewServiceName(repoRoot, name);
    const settings = loadSettings();
    const running = runningState(settings.stateDir);
    const grants = loadGatewayGrants(settings.services.routeGrantsFile);
    const held: HeldRoute[] = grantedRoutes(grants);
    if (running?.env.CONSUL_HTTP_ADDR) {
      const consul = await consulRoutes(running.env.CONSUL_HTTP_ADDR, commandConsulToken(settings, READER_TOKEN));
      if (consul.services.includes(name)) throw new PlatformError('PLATFORM_NEW_SERVICE_EXISTS', `a service named ${name} is already registered in Consul; pick another name`);
      held.push(...consul.routes);
    }
    if (options.route) checkRouteClaim(name, options.route, held, grants);

    for (const file of writeService(repoRoot, options)) out(`  created ${file}`);
    registerWorkspace(repoRoot, name);
    out(`▸ added services/${name} to the workspaces (package.json) and project references (tsconfig.json); building`);
    buildService(repoRoot, name);
    if (!running) {
      out(`▸ built. The platform is not running: platform up starts ${name} with the rest (${options.instances} instance(s))`);
      return 0;
    }
    out(`▸ built; starting ${options.instances} instance(s) on the running platform${options.db ? ' after its migrations' : ''}`);
    const started = await startOnPlatform(settings, name, options.instances, options.route);
    out(`\n${started.table}\n`);
    for (const line of started.reachable) out(`${name}: ${line}`);
    out(`tests: platform/with-node npx jest services/${name}   logs: platform logs ${name}   remove: platform remove service ${name}`);
    return 0;
}

/** `platform remove service <name>`: drains and stops its instances, revokes its token and account; the folder stays for git. */
export async function removeService(name: string): Promise<number> {
    const problem = serviceNameProblem(name);
    if (problem) throw new PlatformError('PLATFORM_NEW_SERVICE_NAME', problem);
    const settings = loadSettings();
    if (!runningState(settings.stateDir)) throw new PlatformError('PLATFORM_NOT_RUNNING', 'the platform is not running; nothing to stop');
    const result = await callControl<{ stopped: string[]; done?: string[]; problems?: { code: string; message: string }[] }>(statePaths(settings.stateDir).socket, 'POST', '/remove', { service: name });
    out(`▸ ${name} removed: ${result.stopped.length ? `${result.stopped.join(', ')} drained and stopped` : 'it had no instance'}`);
    for (const line of result.done ?? []) out(`  ${line}`);
    // The service is gone either way; what it kept is named, and the exit status says something stays.
    for (const problem of result.problems ?? []) process.stderr.write(`  ${problem.code}: ${problem.message}\n`);
    out(`  services/${name} is left for git; platform up starts it again while the folder and its workspace entry exist`);
    return (result.problems ?? []).length > 0 ? 1 : 0;
}
