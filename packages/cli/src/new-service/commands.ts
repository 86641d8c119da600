import { parseArgs, type ParseArgsConfig } from 'node:util';
import { repoRoot } from '@platform/consul';
import { operatorConsulToken } from '../consul-tokens';
import { runningState } from '../platform-view';
import { loadSettings, statePaths } from '../settings';
import { callControl } from '../supervisor/control-server';
import { buildService } from './build-service';
import { checkRouteClaim, consulRoutes, grantedRoutes, loadGatewayGrants, type HeldRoute } from './route-claim';
import { checkNewServiceName, serviceNameProblem, UsageError } from './service-name';
import { startOnPlatform } from './start-service';
import type { NewServiceOptions } from './templates/options';
import { registerWorkspace, writeService } from './write-service';

/** How the CLI presents a command: its flags (node:util parseArgs), what it does, and an example. */
export interface CommandSpec {
  usage: string;
  description: string;
  example: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Each flag as the help shows it, with what it does. */
  flags: [string, string][];
}

export const NEW_SERVICE_COMMAND: CommandSpec = {
  usage: 'new service <name> [--db] [--events] [--route /<name> [--auth required|public]] [--instances N]',
  description: 'write a complete service under services/<name>, register and build it, and start it when the platform runs',
  example: 'platform new service inventory --db --route /inventory',
  options: {
    db: { type: 'boolean', default: false },
    events: { type: 'boolean', default: false },
    route: { type: 'string' },
    auth: { type: 'string' },
    instances: { type: 'string', default: '1' },
  },
  flags: [
    ['--db', 'a PostgreSQL repository and its first migration, in the service\'s own schema'],
    ['--events', 'an outbox producer (topic <name>.events) and the outbox migration; implies --db'],
    ['--route /<name>', 'reachable through the edge under this prefix (/<name> or below it)'],
    ['--auth required|public', 'whether callers of the route must authenticate (default required)'],
    ['--instances N', 'instances to run, 1..50 (default 1)'],
  ],
};

export const REMOVE_SERVICE_COMMAND: CommandSpec = {
  usage: 'remove service <name>',
  description: "drain and stop a service's instances and drop it from the running platform; its folder stays for git",
  example: 'platform remove service inventory',
  options: {},
  flags: [],
};

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** node:util's parse errors are the user's: usage errors, exit 2. */
function parse(spec: CommandSpec, args: string[]): { values: Record<string, string | boolean | undefined>; name: string } {
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError('PLATFORM_USAGE', `${err instanceof Error ? err.message : String(err)}\nusage: platform ${spec.usage}`);
  }
  const [kind, name, ...extra] = parsed.positionals;
  if (kind !== 'service' || name === undefined || extra.length > 0) throw new UsageError('PLATFORM_USAGE', `usage: platform ${spec.usage}\nexample: ${spec.example}`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, name };
}

function newServiceOptions(values: Record<string, string | boolean | undefined>, name: string): NewServiceOptions {
  const instances = Number(values.instances);
  if (!/^\d{1,2}$/.test(String(values.instances)) || instances < 1 || instances > 50) throw new UsageError('PLATFORM_USAGE', `--instances must be a whole number from 1 to 50, got ${JSON.stringify(values.instances)}`);
  const route = typeof values.route === 'string' ? values.route : undefined;
  const auth = values.auth ?? 'required';
  if (auth !== 'required' && auth !== 'public') throw new UsageError('PLATFORM_USAGE', `--auth must be required or public, got ${JSON.stringify(auth)}`);
  if (values.auth !== undefined && route === undefined) throw new UsageError('PLATFORM_USAGE', '--auth applies to a --route; add --route /<name>');
  // The outbox is a table written in the same transaction as the data: events need the database.
  return { name, db: values.db === true || values.events === true, events: values.events === true, route, auth, instances };
}

function helpText(spec: CommandSpec): string {
  const width = Math.max(0, ...spec.flags.map(([flag]) => flag.length));
  const flags = spec.flags.map(([flag, what]) => `  ${flag.padEnd(width)}  ${what}\n`).join('');
  return `usage: platform ${spec.usage}\n\n${spec.description}\n${flags ? `\n${flags}` : ''}\nexample: ${spec.example}\n`;
}

/**
 * -h/--help prints the command's help (exit 0); the reason and its code for what the user must
 * change exits 2; anything else is thrown (exit 1).
 */
async function refusingUsage(spec: CommandSpec, args: string[], run: () => Promise<number>): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`platform: ${err.message} [${err.code}]\n`);
    return 2;
  }
}

export const newService = (args: string[]): Promise<number> =>
  refusingUsage(NEW_SERVICE_COMMAND, args, async () => {
    const { values, name } = parse(NEW_SERVICE_COMMAND, args);
    const options = newServiceOptions(values, name);
    checkNewServiceName(repoRoot, name);
    const settings = loadSettings();
    const running = runningState(settings.stateDir);
    const grants = loadGatewayGrants();
    const held: HeldRoute[] = grantedRoutes(grants);
    if (running?.env.CONSUL_HTTP_ADDR) {
      const consul = await consulRoutes(running.env.CONSUL_HTTP_ADDR, operatorConsulToken(settings));
      if (consul.services.includes(name)) throw new UsageError('PLATFORM_NEW_SERVICE_EXISTS', `a service named ${name} is already registered in Consul; pick another name`);
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
  });

export const removeService = (args: string[]): Promise<number> =>
  refusingUsage(REMOVE_SERVICE_COMMAND, args, async () => {
    const { name } = parse(REMOVE_SERVICE_COMMAND, args);
    const problem = serviceNameProblem(name);
    if (problem) throw new UsageError('PLATFORM_REMOVE_SERVICE_NAME', problem);
    const settings = loadSettings();
    if (!runningState(settings.stateDir)) {
      out('the platform is not running (start it with: npm run up); nothing to stop');
      return 3;
    }
    const result = await callControl<{ stopped: string[] }>(statePaths(settings.stateDir).socket, 'POST', '/remove', { service: name });
    out(`▸ ${name} removed: ${result.stopped.length ? `${result.stopped.join(', ')} drained and stopped` : 'it had no instance'}`);
    out(`  services/${name} is left for git; platform up starts it again while the folder and its workspace entry exist`);
    return 0;
  });
