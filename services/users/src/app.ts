import { join } from 'node:path';
import { connectDatabase, dbConfigShape, messaging, type ServiceDefinition } from '@platform/service-kit';
import { orderStatsConsumer, readOrderStats } from './events/order-stats';
import { createPostgresUsersRepo } from './repo/users-repo';
import { registerUserRoutes } from './routes/users-routes';

/** Versioned, reversible SQL migrations (services/users/migrations), applied by `platform up` and `platform migrate`. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

const configShape = { ...dbConfigShape, ...messaging.messagingConfigShape };

export const usersService: ServiceDefinition<typeof configShape> = {
  name: 'users',
  version: '0.2.0',
  tags: ['api'],
  // Exposed through the gateway: paths under /users, callers must authenticate.
  meta: { 'gateway-prefix': '/users', 'gateway-auth': 'required' },
  config: configShape,
  async setup({ app, config, logger, metrics }) {
    const db = await connectDatabase({ service: 'users', app, config, logger, metrics, migrationsDir: MIGRATIONS_DIR });
    registerUserRoutes(app, createPostgresUsersRepo(db));
    app.get<{ Params: { id: string } }>('/users/:id/stats', { schema: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } } }, async (request) =>
      readOrderStats(db.read, request.params.id),
    );
    const events = await messaging.startServiceMessaging({
      service: 'users',
      brokers: config.KAFKA_BROKERS,
      withoutBrokers: 'order statistics are not being updated',
      db: db.write,
      logger,
      registry: metrics.registry,
      consumes: [orderStatsConsumer],
    });
    return { readiness: db.readiness, close: () => events.close().then(() => db.close()) };
  },
};
