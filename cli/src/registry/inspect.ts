import { defineCommand, intFlag, UsageError } from '../command/command';

export const statusCommand = defineCommand({
  name: 'status',
  summary: "every instance's address and health: Consul's view beside the supervisor's and HAProxy's",
  description: `Lists the platform's components, every instance (address and health in Consul, pid and restarts
from the supervisor), every load balancer's servers as HAProxy reports them, Kafka's topics and
consumer-group lag, and the instances that crashed and were restarted.
Exit 3 when the platform is not running (--json then prints {"running": false}).`,
  options: {},
  examples: ['status', 'status --json'],
  json: 'document',
  run: async ({ json }) => (await import('../commands/status.js')).status(json),
});

export const logsCommand = defineCommand({
  name: 'logs',
  args: '[<service>]',
  maxPositionals: 1,
  summary: "search every service's logs in the log store, one request across services, and follow them",
  description: `Asks the log search store (OpenSearch, or LOG_STORE_URL) for the newest lines, in time order;
with --request-id every line of that request across services. Without the store (or with --local),
tails the named service's local files under the state folder. Exit 3 when the store is needed and
does not answer.`,
  options: {
    service: { type: 'string', short: 's', value: 'service', description: "only this service's lines (same as the argument)" },
    level: { type: 'string', short: 'l', value: 'level', description: 'only lines of this level (error, warn, info, ...)' },
    since: { type: 'string', value: 'duration', description: 'only lines newer than this: 30s, 15m, 2h, 1d' },
    'request-id': { type: 'string', short: 'r', value: 'id', description: 'every line of one request, across services' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until interrupted' },
    lines: { type: 'string', short: 'n', value: 'count', description: 'how many of the newest lines to show first (default 50)' },
    local: { type: 'boolean', description: "read this node's log files even when the store answers" },
  },
  examples: ['logs -n 5', 'logs orders -f', 'logs --request-id 3f2a9c1e-7b1d-4c55-9f0e-2d8f1c6b7a10', 'logs users --level error --since 1h --json'],
  json: 'lines',
  async run({ values, positionals, json }) {
    if (values.service && positionals[0] && values.service !== positionals[0]) throw new UsageError(`two services named: ${positionals[0]} and --service ${values.service}`);
    const lines = intFlag('lines', values.lines, 0, 100_000) ?? 50;
    const options = { service: values.service ?? positionals[0], level: values.level, since: values.since, requestId: values['request-id'], follow: values.follow ?? false, lines, local: values.local ?? false, json };
    return (await import('../commands/logs.js')).logs(options);
  },
});

export const alertsCommand = defineCommand({
  name: 'alerts',
  summary: 'the alerts firing now (Alertmanager); exit 1 when any fires',
  description: `Asks Alertmanager for the alerts firing now: the local one, or the one ALERTMANAGER_URL names
(ALERTMANAGER_URL=http://10.0.1.5:9095 platform alerts, from any cloud node).
Exit 0 when none fires, 1 when any does (scripts can check), 3 when Alertmanager cannot be reached.`,
  options: {},
  examples: ['alerts', 'alerts --json'],
  json: 'document',
  run: async ({ json }) => (await import('../commands/alerts.js')).alerts(json),
});

export const openCommand = defineCommand({
  name: 'open',
  args: '[consul|docs|prometheus|alerts|logs]',
  maxPositionals: 1,
  summary: 'the URL of the Consul UI, the API docs, Prometheus, Alertmanager or the log store',
  description: `Prints the URL of one page (alone on stdout: $(platform open consul)), or of every page without an
argument. --browser also opens it in the desktop's browser (xdg-open) when there is a display. The
Consul UI asks for a token: the read-only reader token's file is named, its value never printed.`,
  options: { browser: { type: 'boolean', short: 'b', description: "open the page in the desktop's browser too" } },
  examples: ['open consul', 'open', 'open docs --browser'],
  json: 'document',
  run: async ({ positionals, values, json }) => (await import('../commands/open.js')).open(positionals[0], values.browser ?? false, json),
});
