import { parseArgs } from 'node:util';
import { down } from './commands/down';
import { logs } from './commands/logs';
import { parseScaleSpec, scale } from './commands/scale';
import { status } from './commands/status';
import { up } from './commands/up';

const USAGE = `usage: platform <command>

  up [--instances N] [--scale svc=N ...] [--skip-install]
                          install what is missing, start Consul and every service, wait until healthy
  status                  services, instances, addresses and health (Consul's view and the supervisor's)
  scale svc=N ...         add or remove instances of running services
  logs <service> [-f] [-n N]
                          print (and follow) the local logs of every instance of a service
  down                    stop everything gracefully; no process is left behind

environment: PLATFORM_STATE_DIR, PLATFORM_NODE_NAME, CONSUL_HTTP_PORT, CONSUL_SERVER_PORT,
             CONSUL_SERF_LAN_PORT, CONSUL_DNS_PORT (see README)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const { values } = parseArgs({ args: rest, options: { instances: { type: 'string' }, scale: { type: 'string', multiple: true }, 'skip-install': { type: 'boolean', default: false } } });
      const instances = values.instances === undefined ? undefined : parseScaleSpec(`all=${values.instances}`).instances;
      const scaleMap = Object.fromEntries((values.scale ?? []).map((s) => parseScaleSpec(s)).map((s) => [s.service, s.instances]));
      return up({ instances, scale: scaleMap, skipInstall: values['skip-install'] ?? false });
    }
    case 'status':
      return status();
    case 'scale':
      return scale(rest);
    case 'logs': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { follow: { type: 'boolean', short: 'f', default: false }, lines: { type: 'string', short: 'n', default: '50' } } });
      const service = positionals[0];
      if (!service) throw new Error('usage: platform logs <service> [-f] [-n N]');
      const lines = Number(values.lines);
      if (!Number.isInteger(lines) || lines < 0) throw new Error(`--lines must be a whole number, got ${values.lines}`);
      return logs({ service, follow: values.follow ?? false, lines });
    }
    case 'down':
      return down();
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`platform: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
