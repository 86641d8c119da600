import { defineCommand } from '../command/command';

/** `platform flags ...`: feature flags in Consul KV (platform/flags/<name>), read by every kit instance. */
export const flagsCommands = [
  defineCommand({
    name: 'flags list',
    summary: 'every feature flag and its value (on, off, or a percentage of client ids)',
    description: 'A record instances reject (written by hand, badly) is listed as invalid with the reason. Exit 3 when Consul does not answer.',
    options: {},
    examples: ['flags list', 'flags list --json'],
    json: 'document',
    run: async ({ json }) => (await import('../commands/flags.js')).flagsList(json),
  }),
  defineCommand({
    name: 'flags get',
    args: '<name>',
    maxPositionals: 1,
    summary: "one feature flag's value (`not set`: instances answer the default their code gives)",
    options: {},
    examples: ['flags get new-checkout', 'flags get new-checkout --json'],
    json: 'document',
    run: async ({ positionals, json }) => (await import('../commands/flags.js')).flagsGet(positionals[0], json),
  }),
  defineCommand({
    name: 'flags set',
    args: '<name> on|off|<n>%',
    maxPositionals: 2,
    summary: 'turn a feature flag on or off for everybody, or on for n % of client ids',
    description: `Writes platform/flags/<name> in Consul KV with the flags-writer token; every running instance
applies it within a second, without a restart. A percentage picks client ids (X-Client-Id, set by the
edge) by a stable hash: the same client gets the same answer on every instance, and raising the
percentage only adds clients. Names: lower-case letters, digits and dashes, starting with a letter.`,
    options: {},
    examples: ['flags set new-checkout 30%', 'flags set new-checkout on', 'flags set new-checkout off'],
    run: async ({ positionals }) => (await import('../commands/flags.js')).flagsSet(positionals[0], positionals[1]),
  }),
];
