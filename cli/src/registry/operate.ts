import { defineCommand, intFlag, UsageError } from '../command/command';
import { parseScaleSpec } from '../scale-spec';

export const scaleCommand = defineCommand({
  name: 'scale',
  args: '<service>=<count> ...',
  maxPositionals: 50,
  summary: 'add or remove instances of running services (a new service folder starts too)',
  description: `Sets how many instances of each named service run. New instances start and register; removed
ones drain first (they leave the load balancers, finish their requests, then stop). A service folder
added since up is migrated and started. Exit 3 when the platform is not running.`,
  options: {},
  examples: ['scale users=2', 'scale users=3 orders=2 --json'],
  json: 'document',
  async run({ positionals, json }) {
    if (positionals.length === 0) throw new UsageError('name at least one <service>=<count>');
    const specs = positionals.map(parseScaleSpec);
    return (await import('../commands/scale.js')).scale(specs, json);
  },
});

export const migrateCommand = defineCommand({
  name: 'migrate',
  args: '[<service> ...]',
  maxPositionals: 100,
  summary: "apply the services' pending database migrations (or revert the last ones)",
  description: `Applies the pending migrations of every service (or of those named) in the running platform's
database; with the platform stopped, in the database DB_WRITE_URL names (exit 3 when neither).
--down reverts the last --count migrations (default 1) of each service named.`,
  options: {
    down: { type: 'boolean', description: 'revert instead of apply' },
    count: { type: 'string', value: 'n', description: 'how many migrations per service (default: every pending one; with --down 1)' },
  },
  examples: ['migrate', 'migrate users', 'migrate users --down --count 2', 'migrate --json'],
  json: 'document',
  async run({ values, positionals, json }) {
    const count = intFlag('count', values.count, 1);
    return (await import('../commands/migrate.js')).migrate({ services: positionals, down: values.down ?? false, count, json });
  },
});
