import { defineCommand, EXIT, intFlag } from '../command/command';
import { printResult } from '../command/output';
import { migrateServices } from '../migrate-services';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';

/** `platform migrate --json` (docs/cli.md). */
export interface MigrateView {
  direction: 'up' | 'down';
  services: { service: string; schema: string; changed: string[] }[];
}

const migrateText = (view: MigrateView): string =>
  view.services
    .map((o) => `${o.service} (schema ${o.schema}): ${o.changed.length === 0 ? `nothing to ${view.direction === 'down' ? 'revert' : 'apply'}` : `${view.direction === 'down' ? 'reverted' : 'applied'} ${o.changed.join(', ')}`}`)
    .join('\n');

export const migrateCommand = defineCommand({
  name: 'migrate',
  args: '[<service> ...]',
  maxPositionals: 100,
  summary: "apply the services' pending database migrations (or revert the last ones)",
  description: `Applies the pending migrations of every service (or of those named) in the running platform's
database; with the platform stopped, in the database DB_WRITE_URL names (exit 3 when neither). --down reverts the last
--count migrations (default 1) of each service named.`,
  options: {
    down: { type: 'boolean', description: 'revert instead of apply' },
    count: { type: 'string', value: 'n', description: 'how many migrations per service (default: every pending one; with --down 1)' },
  },
  examples: ['migrate', 'migrate users', 'migrate users --down --count 2', 'migrate --json'],
  json: 'document',
  async run({ values, positionals, json }) {
    const count = intFlag('count', values.count, 1);
    const state = runningState(loadSettings().stateDir);
    const env = state?.env.DB_WRITE_URL ? state.env : process.env;
    if (!env.DB_WRITE_URL) {
      process.stderr.write('the platform is not running (start it with: npm run up), and DB_WRITE_URL (with DB_PASSWORD_FILE) names no other database\n');
      return EXIT.notRunning;
    }
    const direction = values.down ? 'down' : 'up';
    const outcomes = await migrateServices({ env, services: positionals.length > 0 ? positionals : undefined, direction, count });
    printResult(json, { direction, services: outcomes.map((o) => ({ service: o.service, schema: o.schema, changed: o.changed })) }, migrateText);
    return EXIT.ok;
  },
});
