import { defineCommand } from '../command/command';

export const consoleCommand = defineCommand({
  name: 'console',
  summary: "the ops console's address: instances, load balancers, traffic, alerts, events, database, error groups",
  description: `Prints the address of the ops console, one page the running platform serves on loopback
(CONSOLE_PORT, 9096) that refreshes itself every 2 s and at once when an instance stops: services and
instances with health and version, each load balancer's servers, request rate, 5xx ratio and p99 per
service, firing alerts, consumer lag and outbox backlog, the database members, and errors grouped by
fingerprint. The address carries a token read from the state folder (0600): only who may read that
folder finds the page. Exit 3 when the platform is not running.`,
  options: {},
  examples: ['console', 'console --json'],
  json: 'document',
  run: async ({ json }) => (await import('../commands/console.js')).consoleAddress(json),
});
