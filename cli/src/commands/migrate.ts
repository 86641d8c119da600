import { EXIT } from '../command/command';
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

export interface MigrateCommandOptions {
  services: string[];
  down: boolean;
  count?: number;
  json: boolean;
}

/**
 * `platform migrate`: applies pending migrations (or, with --down, reverts the last ones) of the
 * running platform's services; with the platform stopped, of the database DB_WRITE_URL names.
 */
export async function migrate(options: MigrateCommandOptions): Promise<number> {
  const state = runningState(loadSettings().stateDir);
  const env = state?.env.DB_WRITE_URL ? state.env : process.env;
  if (!env.DB_WRITE_URL) {
    process.stderr.write('the platform is not running (start it with: npm run up), and DB_WRITE_URL (with DB_PASSWORD_FILE) names no other database\n');
    return EXIT.notRunning;
  }
  const direction = options.down ? 'down' : 'up';
  const outcomes = await migrateServices({ env, services: options.services.length > 0 ? options.services : undefined, direction, count: options.count });
  printResult(options.json, { direction, services: outcomes.map((o) => ({ service: o.service, schema: o.schema, changed: o.changed })) }, migrateText);
  return EXIT.ok;
}
