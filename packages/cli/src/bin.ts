import { parseArgs } from 'node:util';
import { accounts } from './commands/accounts';
import { alerts } from './commands/alerts';
import { db } from './commands/db';
import { down } from './commands/down';
import { logs } from './commands/logs';
import { migrate } from './commands/migrate';
import { NEW_SERVICE_COMMAND, newService, REMOVE_SERVICE_COMMAND, removeService } from './new-service/commands';
import { node } from './commands/node';
import { parseScaleSpec, scale } from './commands/scale';
import { status } from './commands/status';
import { up } from './commands/up';

const USAGE = `usage: platform <command>

  up [--instances N] [--scale svc=N ...] [--skip-install]
                          install what is missing, start Consul and every service, wait until healthy
  status                  services, instances, addresses and health (Consul's view and the supervisor's)
  scale svc=N ...         add or remove instances of running services
  ${NEW_SERVICE_COMMAND.usage}
                          ${NEW_SERVICE_COMMAND.description}
  ${REMOVE_SERVICE_COMMAND.usage}   ${REMOVE_SERVICE_COMMAND.description}
  logs [<service>] [--service S] [--level L] [--since 15m] [--request-id ID] [-f] [-n N] [--local]
                          search every service's logs in the log store (one request across services with
                          --request-id, in time order), and follow them; without the store, tail a
                          service's local files
  alerts                  the alerts firing now (Alertmanager); exit 1 when any fires
  down                    stop everything gracefully; no process is left behind
  migrate [svc ...] [--down] [--count N]
                          apply the services' pending database migrations (--down: revert the last N, default 1)
  accounts                make the OS account each service's instances run as (root; the image build)
  db status | switchover [--to M] | failover --to M | reinit M
                          the database cluster through Patroni: members, roles, timeline, lag; a planned
                          switchover (to the synchronous standby unless told), a forced failover, a rebuilt replica
  node                    run this machine's PLATFORM_ROLE of the cloud layout in the foreground
                          (consul-server, service, edge or database; systemd runs it on cloud nodes)

environment: PLATFORM_STATE_DIR, PLATFORM_NODE_NAME, PLATFORM_SERVICE_USER, CONSUL_HTTP_PORT, CONSUL_SERVER_PORT,
             CONSUL_SERF_LAN_PORT, CONSUL_DNS_PORT; cloud nodes: PLATFORM_ROLE, PLATFORM_BIND_ADDR,
             CONSUL_RETRY_JOIN, ... (see README)`;

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
    case 'new':
      return newService(rest);
    case 'remove':
      return removeService(rest);
    case 'logs': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          follow: { type: 'boolean', short: 'f', default: false },
          lines: { type: 'string', short: 'n', default: '50' },
          service: { type: 'string', short: 's' },
          level: { type: 'string', short: 'l' },
          since: { type: 'string' },
          'request-id': { type: 'string', short: 'r' },
          local: { type: 'boolean', default: false },
        },
      });
      const lines = Number(values.lines);
      if (!Number.isInteger(lines) || lines < 0) throw new Error(`--lines must be a whole number, got ${values.lines}`);
      const service = values.service ?? positionals[0];
      return logs({ service, level: values.level, since: values.since, requestId: values['request-id'], follow: values.follow ?? false, lines, local: values.local ?? false });
    }
    case 'alerts':
      return alerts();
    case 'down':
      return down();
    case 'node':
      return node();
    case 'accounts':
      return accounts();
    case 'db': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { to: { type: 'string' } } });
      return db(positionals[0], { to: values.to, member: positionals[1] });
    }
    case 'migrate': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { down: { type: 'boolean', default: false }, count: { type: 'string' } } });
      const count = values.count === undefined ? undefined : Number(values.count);
      if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new Error(`--count must be a whole number above 0, got ${values.count}`);
      return migrate({ services: positionals, down: values.down ?? false, count });
    }
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
