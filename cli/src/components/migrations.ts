import { migrateServices, type MigrationOutcome } from '../migrate-services';
import type { PlatformComponent } from './component';

const summary = (outcomes: MigrationOutcome[]): string =>
  `Schema migrations    ${outcomes.map((o) => `${o.service} ${o.changed.length === 0 ? 'up to date' : `+${o.changed.length} (${o.changed.join(', ')})`}`).join('; ') || 'none'}`;

/**
 * Brings every service's schema up to date before any instance starts, through the write URL the
 * components before it exported. No process: it runs once per `platform up`.
 */
export const migrationsComponent: PlatformComponent = {
  name: 'migrations',
  async start({ env, log }) {
    const outcomes = await migrateServices({ env, direction: 'up' });
    for (const o of outcomes) if (o.changed.length > 0) log(`${o.service}: applied ${o.changed.join(', ')}`);
    const line = summary(outcomes);
    return { env: {}, pids: () => [], describe: () => [line], stop: async () => undefined };
  },
};
