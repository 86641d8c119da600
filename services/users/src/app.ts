import type { ServiceDefinition } from '@platform/service-kit';
import { createInMemoryUsersRepo } from './repo/users-repo';
import { registerUserRoutes } from './routes/users-routes';

export const usersService: ServiceDefinition<Record<string, never>> = {
  name: 'users',
  version: '0.1.0',
  tags: ['api'],
  async setup({ app }) {
    registerUserRoutes(app, createInMemoryUsersRepo());
  },
};
