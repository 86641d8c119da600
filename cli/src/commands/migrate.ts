import { migrateServices } from '../migrate-services';
import { runningState } from '../platform-view';
import { loadSettings } from '../settings';

export interface MigrateCommandOptions {
  services: string[];
  down: boolean;
  count?: number;
}

/**
 * `platform migrate`: applies pending migrations (or, with --down, reverts the last ones) of the
 * running platform's services; with the platform stopped, of the database DB_WRITE_URL names.
 */
export async function migrate(options: MigrateCommandOptions): Promise<number> {
  const state = runningState(loadSettings().stateDir);
  const env = state?.env.DB_WRITE_URL ? state.env : process.env;
  const outcomes = await migrateServices({
    env,
    services: options.services.length > 0 ? options.services : undefined,
    direction: options.down ? 'down' : 'up',
    count: options.count,
  });
  for (const o of outcomes) {
    const verb = options.down ? 'reverted' : 'applied';
    process.stdout.write(`${o.service} (schema ${o.schema}): ${o.changed.length === 0 ? `nothing to ${options.down ? 'revert' : 'apply'}` : `${verb} ${o.changed.join(', ')}`}\n`);
  }
  return 0;
}
