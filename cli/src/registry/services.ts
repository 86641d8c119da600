import { defineCommand, UsageError } from '../command/command';

export const newServiceCommand = defineCommand({
  name: 'new service',
  args: '<name>',
  maxPositionals: 1,
  summary: 'write a complete service under services/<name>, build it, and start it when the platform runs',
  description: `Writes services/<name> from the template (main/app split, config schema, routes with JSON
schemas, inject() tests; --db: a repository and its first migration; --events: an outbox producer),
adds it to the workspaces and project references, builds it, and on a running platform migrates and
starts it, then prints where it answers. Refused with exit 2, writing nothing: a name that is not a
service name or is taken, a route outside /<name> or held by another service.`,
  options: {
    db: { type: 'boolean', description: "a PostgreSQL repository and its first migration, in the service's own schema" },
    events: { type: 'boolean', description: 'an outbox producer (topic <name>.events) and the outbox migration; implies --db' },
    route: { type: 'string', value: '/<name>', description: 'reachable through the edge under this prefix (/<name> or below it)' },
    auth: { type: 'string', value: 'required|public', description: 'whether callers of the route must authenticate (default required)' },
    instances: { type: 'string', value: 'n', description: 'instances to run, 1..50 (default 1)' },
  },
  examples: ['new service inventory --db --route /inventory', 'new service notes --route /notes --auth public'],
  async run({ values, positionals }) {
    const [name] = positionals;
    if (name === undefined) throw new UsageError('name the service: platform new service <name>');
    return (await import('../new-service/commands.js')).newService(name, values);
  },
});

export const removeServiceCommand = defineCommand({
  name: 'remove service',
  args: '<name>',
  maxPositionals: 1,
  summary: "drain and stop a service's instances and drop it from the running platform (its folder stays)",
  description: `Scales the service to 0 (its instances drain: they leave the load balancers, finish their
requests, then stop) and drops it from the supervisor's plan. services/<name> and its workspace
entries are left for git: while they exist, platform up starts the service again. Exit 3 when the
platform is not running.`,
  options: {},
  examples: ['remove service inventory'],
  async run({ positionals }) {
    const [name] = positionals;
    if (name === undefined) throw new UsageError('name the service: platform remove service <name>');
    return (await import('../new-service/commands.js')).removeService(name);
  },
});
