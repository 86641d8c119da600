import { join } from 'node:path';
import { connectDatabase, dbConfigShape, messaging, type ServiceDefinition } from '@platform/service-kit';
import { ORDERS_TOPIC } from './events/order-events';
import { createPostgresOrdersRepo } from './repo/orders-repo';
import { registerOrderRoutes } from './routes/orders-routes';
import { createUserCheck } from './users/user-check';

/** Versioned, reversible SQL migrations (services/orders/migrations), applied by `platform up` and `platform migrate`. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

const configShape = { ...dbConfigShape, ...messaging.messagingConfigShape };

export const ordersService: ServiceDefinition<typeof configShape> = {
  name: 'orders',
  version: '0.2.0',
  tags: ['api'],
  // Exposed through the gateway: paths under /orders, callers must authenticate.
  meta: { 'gateway-prefix': '/orders', 'gateway-auth': 'required' },
  config: configShape,
  async setup({ app, config, logger, metrics, services }) {
    const db = await connectDatabase({ service: 'orders', app, config, logger, metrics, migrationsDir: MIGRATIONS_DIR });
    registerOrderRoutes(app, createPostgresOrdersRepo(db), createUserCheck(services, db.write));
    const events = await messaging.startServiceMessaging({
      service: 'orders',
      brokers: config.KAFKA_BROKERS,
      withoutBrokers: 'order events stay in the outbox until a broker is configured',
      db: db.write,
      logger,
      registry: metrics.registry,
      produces: [ORDERS_TOPIC],
    });
    return { readiness: db.readiness, close: () => events.close().then(() => db.close()) };
  },
};
