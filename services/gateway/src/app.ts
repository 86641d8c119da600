import type { ServiceDefinition } from '@platform/service-kit';
import { Pool } from 'undici';
import { checkGatewayConfig, gatewayConfigShape, jwtSource } from './config';
import { installDocsRoute } from './docs/docs-route';
import { startControlPlane } from './edge/control-plane';
import { loadRouteGrants } from './routing/route-grants';
import { watchRoutes } from './routing/route-watcher';

const NAME = 'gateway';
const VERSION = '0.3.0';

/**
 * The gateway's control plane. Callers' requests never pass through this process: the edge HAProxy
 * authenticates, limits and routes them straight to each service's backend. The gateway follows
 * the services' route declarations in Consul (`gateway-prefix`, `gateway-auth`), the API key file
 * and the JWT settings, and pushes them into the edges' maps at run time; it serves /docs itself.
 */
export const gatewayService: ServiceDefinition<typeof gatewayConfigShape> = {
  name: NAME,
  version: VERSION,
  tags: ['edge'],
  config: gatewayConfigShape,
  async setup({ app, config, consulToken, logger }) {
    checkGatewayConfig(config);
    const jwt = jwtSource(config);
    if (!config.GATEWAY_EDGE_MAPS_DIR) logger.warn('GATEWAY_EDGE_MAPS_DIR is not set: no edge is fed routes, keys or limits; only /docs is served');
    const control = startControlPlane({
      mapsDir: config.GATEWAY_EDGE_MAPS_DIR,
      sockets: config.GATEWAY_EDGE_SOCKETS,
      apiKeysFile: config.GATEWAY_API_KEYS_FILE,
      jwt,
      defaultLimit: config.GATEWAY_RATE_LIMIT_MAX,
      logger,
    });
    logger.info('authentication configured', { apiKeys: config.GATEWAY_API_KEYS_FILE !== undefined, jwt: jwt !== undefined, edges: config.GATEWAY_EDGE_SOCKETS.length });
    const grants = loadRouteGrants(config.GATEWAY_ROUTE_GRANTS_FILE);
    logger.info('route grants loaded', { file: config.GATEWAY_ROUTE_GRANTS_FILE, services: [...grants.keys()] });
    const watcher = watchRoutes({
      consulAddr: `${config.CONSUL_HTTP_ADDR.host}:${config.CONSUL_HTTP_ADDR.port}`,
      consulToken,
      selfName: NAME,
      logger,
      grants,
      onTable: (table) => control.routesChanged(table),
    });
    // /docs fetches each service's own document through the internal load balancer.
    const pool = new Pool(`http://${config.INTERNAL_LB_ADDR.host}:${config.INTERNAL_LB_ADDR.port}`, { connections: 8, connect: { timeout: 2_000 } });
    installDocsRoute(app, { pool, routes: watcher.current, logger, version: VERSION });
    return {
      close: async () => {
        watcher.stop();
        control.stop();
        await pool.close();
      },
    };
  },
};
