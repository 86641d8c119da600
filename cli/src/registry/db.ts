import { defineCommand } from '../command/command';

/** `platform db ...`: the database cluster through Patroni's REST API (each exit 3 when the platform is not running). */
export const dbCommands = [
  defineCommand({
    name: 'db status',
    summary: 'the database cluster through Patroni: members, roles, state, timeline, lag',
    description: 'Exit 1 when the cluster has no leader (writes are refused until one is elected), 3 when the platform is not running.',
    options: {},
    examples: ['db status', 'db status --json'],
    json: 'document',
    run: async ({ json }) => (await import('../commands/db.js')).dbStatus(json),
  }),
  defineCommand({
    name: 'db switchover',
    summary: 'a planned switchover: the leader hands over to a caught-up replica',
    description: 'Without --to, to the synchronous standby. Patroni waits for the candidate to be caught up.',
    options: { to: { type: 'string', value: 'member', description: 'the member to become leader (pg-2, ...)' } },
    examples: ['db switchover', 'db switchover --to pg-2'],
    run: async ({ values }) => (await import('../commands/db.js')).dbSwitchover(values.to),
  }),
  defineCommand({
    name: 'db failover',
    summary: 'a forced failover to the named member (when there is no healthy leader)',
    options: { to: { type: 'string', value: 'member', description: 'the member to become leader (required)' } },
    examples: ['db failover --to pg-2'],
    run: async ({ values }) => (await import('../commands/db.js')).dbFailover(values.to),
  }),
  defineCommand({
    name: 'db reinit',
    args: '<member>',
    maxPositionals: 1,
    summary: 'rebuild a replica from the leader (its data folder is replaced)',
    options: {},
    examples: ['db reinit pg-3'],
    run: async ({ positionals }) => (await import('../commands/db.js')).dbReinit(positionals[0]),
  }),
];
