import type { ServiceDefinition } from '@platform/service-kit';
import { createInMemoryOrdersRepo } from './repo/orders-repo';
import { registerOrderRoutes } from './routes/orders-routes';

export const ordersService: ServiceDefinition<Record<string, never>> = {
  name: 'orders',
  version: '0.1.0',
  tags: ['api'],
  async setup({ app }) {
    registerOrderRoutes(app, createInMemoryOrdersRepo());
  },
};
