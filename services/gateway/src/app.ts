import type { ServiceDefinition } from '@platform/service-kit';

/**
 * The gateway's place on the platform. Until the load-balancing work lands it only answers for
 * itself: it lists the services Consul reports passing, which is what it will route to.
 */
export const gatewayService: ServiceDefinition<Record<string, never>> = {
  name: 'gateway',
  version: '0.1.0',
  tags: ['edge'],
  async setup({ app, consul }) {
    app.get('/services', async () => {
      const catalog = (await consul.catalog.service.list()) as Record<string, string[]>;
      return { services: Object.keys(catalog).filter((name) => name !== 'consul').sort() };
    });
  },
};
