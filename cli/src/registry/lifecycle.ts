import { defineCommand, EXIT, intFlag } from '../command/command';
import { parseScaleSpec } from '../scale-spec';

// Each run loads its implementation when called: help, --version and flag checking need none of
// them, and loading them all (the kit, Kafka's client, Fastify) took a second per call.

export const upCommand = defineCommand({
  name: 'up',
  summary: 'install what is missing, start Consul and every service, wait until healthy and routed',
  description: `Installs the missing pinned components (platform/install.sh), checks that the platform's ports are
free, starts the supervisor (Consul, HAProxy, PostgreSQL, Kafka, OpenSearch, Filebeat, Prometheus,
Alertmanager) and every service's instances, and returns when every instance passes in Consul and
the load balancers route it, printing where to call them. On a running platform it prints the instances.
Ports and the state folder come from the environment (docs/cli.md).`,
  options: {
    instances: { type: 'string', value: 'n', description: "instances of every service (default: each service's own count)" },
    scale: { type: 'string', multiple: true, value: 'service=n', description: 'instances of one service; repeat for more' },
    'skip-install': { type: 'boolean', description: 'do not run the installers (the components are in place)' },
    ha: { type: 'boolean', description: 'Consul, Kafka and OpenSearch as 3-member clusters on loopback addresses (PLATFORM_HA=on; docs/operating.md)' },
  },
  examples: ['up', 'up --instances 1 --scale users=3 --skip-install', 'up --ha'],
  async run({ values }) {
    const instances = intFlag('instances', values.instances, 0, 50);
    const scale = Object.fromEntries((values.scale ?? []).map(parseScaleSpec).map((s) => [s.service, s.instances]));
    return (await import('../commands/up.js')).up({ instances, scale, skipInstall: values['skip-install'] ?? false, ha: values.ha ?? false });
  },
});

export const downCommand = defineCommand({
  name: 'down',
  summary: 'stop everything gracefully; no process is left behind',
  description: `Asks the supervisor to stop: instances drain first (they leave the load balancers and finish
their requests), then the components stop in reverse order. Any process the platform started that is
still running afterwards is killed and reported. Exit 0 also when nothing was running.`,
  options: {},
  examples: ['down'],
  run: async () => ((await (await import('../commands/down.js')).down()) === 0 ? EXIT.ok : EXIT.failed),
});

export const accountsCommand = defineCommand({
  name: 'accounts',
  summary: "make the OS account each service's instances run as (root; the image build)",
  description: '`platform up` as root makes a missing account itself; a cloud node cannot (its unit keeps /etc read-only), so the image build runs this.',
  options: {},
  examples: ['accounts'],
  run: async () => (await import('../commands/accounts.js')).accounts(),
});

export const nodeCommand = defineCommand({
  name: 'node',
  summary: "run this machine's PLATFORM_ROLE of the cloud layout in the foreground (systemd runs it)",
  description: `Runs the components of PLATFORM_ROLE (consul-server, service, edge, database, monitoring, kafka or logstore) and, on a
service node, the instances PLATFORM_SERVICES names (users=2,orders=2; default: every service but the
gateway at its default count), on an edge node the gateway's (default: its default count), supervised as platform up supervises them. SIGTERM stops everything in order.`,
  options: {},
  examples: ['node'],
  run: async () => (await import('../commands/node.js')).node(),
});
