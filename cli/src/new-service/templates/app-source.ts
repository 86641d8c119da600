import { namesOf, type GeneratedFile, type NewServiceOptions } from './options';

/** src/main.ts: four lines, as every service's (main.ts alone owns signals and the exit code). */
const mainSource = (camel: string): string => `import { runMain } from '@platform/service-kit';
import { ${camel}Service } from './app';

runMain(${camel}Service);
`;

function configSource(options: NewServiceOptions): string {
  const { base, envPrefix, name } = namesOf(options);
  const kit = ['env', options.db ? 'dbConfigShape' : undefined, options.events ? 'messaging' : undefined].filter(Boolean).sort().join(', ');
  return `import { ${kit} } from '@platform/service-kit';

/**
 * ${name}'s settings beside the kit's own (HOST, PORT, CONSUL_*, LOG_*: the configuration reference):
 * each read from the environment and checked at start, every problem reported at once.
 */
export const configShape = {
${options.db ? '  ...dbConfigShape,\n' : ''}${options.events ? '  ...messaging.messagingConfigShape,\n' : ''}  /** The most items one GET ${base}/items page may ask for. */
  ${envPrefix}_PAGE_LIMIT_MAX: env.integerVar(1, 1000).default('100'),
};
`;
}

function setupBody(options: NewServiceOptions): string {
  const { routesFn, envPrefix, name } = namesOf(options);
  const limits = `{ pageLimitMax: config.${envPrefix}_PAGE_LIMIT_MAX }`;
  if (!options.db) {
    return `    // Items live in this instance's memory: a starting point (platform new service ${name} --db keeps them in PostgreSQL).
    ${routesFn}(app, createMemoryItemsRepo(), ${limits});
    return { readiness: [], close: async () => undefined };`;
  }
  const db = `    const db = await connectDatabase({ service: '${name}', app, config, logger, metrics, migrationsDir: MIGRATIONS_DIR });
    ${routesFn}(app, createPostgresItemsRepo(db), ${limits});`;
  if (!options.events) return `${db}\n    return { readiness: db.readiness, close: () => db.close() };`;
  return `${db}
    const events = await messaging.startServiceMessaging({
      service: '${name}',
      brokers: config.KAFKA_BROKERS,
      withoutBrokers: '${name} events stay in the outbox until a broker is configured',
      db: db.write,
      logger,
      registry: metrics.registry,
      produces: [${envPrefix}_TOPIC],
    });
    return { readiness: db.readiness, close: () => events.close().then(() => db.close()) };`;
}

function appSource(options: NewServiceOptions): string {
  const { camel, envPrefix, name, routesFn } = namesOf(options);
  const kit = ['type ServiceDefinition', options.db ? 'connectDatabase' : undefined, options.events ? 'messaging' : undefined].filter(Boolean).join(', ');
  const imports = [
    options.db ? `import { join } from 'node:path';` : undefined,
    `import { ${kit} } from '@platform/service-kit';`,
    `import { configShape } from './config';`,
    options.events ? `import { ${envPrefix}_TOPIC } from './events/${name}-events';` : undefined,
    options.db ? `import { createPostgresItemsRepo } from './repo/postgres-items-repo';` : `import { createMemoryItemsRepo } from './repo/items-repo';`,
    `import { ${routesFn} } from './routes/${name}-routes';`,
  ].filter(Boolean);
  const migrations = options.db ? `\n/** Versioned, reversible SQL migrations (services/${name}/migrations), applied by \`platform up\`, \`platform new\` and \`platform migrate\`. */\nexport const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');\n` : '';
  const meta = options.route
    ? `  // Exposed through the gateway: paths under ${options.route}, ${options.auth === 'required' ? 'callers must authenticate' : 'open to anyone (public)'}.\n  meta: { 'gateway-prefix': '${options.route}', 'gateway-auth': '${options.auth}' },\n`
    : `  // Internal only: other services call it with services.call('${name}', '/${name}/items').\n`;
  const context = options.db ? '{ app, config, logger, metrics }' : '{ app, config }';
  return `${imports.join('\n')}
${migrations}
export const ${camel}Service: ServiceDefinition<typeof configShape> = {
  name: '${name}',
  version: '0.1.0',
  tags: ['api'],
${meta}  config: configShape,
  async setup(${context}) {
${setupBody(options)}
  },
};
`;
}

export function appFiles(options: NewServiceOptions): GeneratedFile[] {
  return [
    { path: 'src/main.ts', content: mainSource(namesOf(options).camel) },
    { path: 'src/config.ts', content: configSource(options) },
    { path: 'src/app.ts', content: appSource(options) },
  ];
}
