import type { Logger, ServiceDefinition } from '@platform/service-kit';
import { Pool } from 'undici';
import { loadApiKeys } from './auth/api-keys';
import { clientRateLimit, type Authenticator } from './auth/authenticate';
import { createJwtCheck } from './auth/jwt';
import { checkGatewayConfig, gatewayConfigShape, type GatewayConfig } from './config';
import { installDocsRoute } from './docs/docs-route';
import { installRateLimit } from './limits/rate-limit';
import { installBodyPassthrough } from './proxy/body-passthrough';
import { installForwarding } from './proxy/forward';
import { installProxyRoute } from './proxy/proxy-route';
import { loadRouteGrants } from './routing/route-grants';
import { watchRoutes } from './routing/route-watcher';

const NAME = 'gateway';
const VERSION = '0.2.0';

function createAuthenticator(config: GatewayConfig, logger: Logger): Authenticator {
  const apiKeys = config.GATEWAY_API_KEYS_FILE ? loadApiKeys(config.GATEWAY_API_KEYS_FILE) : [];
  const jwt =
    config.GATEWAY_JWT_SECRET_FILE && config.GATEWAY_JWT_ISSUER && config.GATEWAY_JWT_AUDIENCE
      ? createJwtCheck({ secretFile: config.GATEWAY_JWT_SECRET_FILE, issuer: config.GATEWAY_JWT_ISSUER, audience: config.GATEWAY_JWT_AUDIENCE, clockToleranceMs: config.GATEWAY_JWT_CLOCK_TOLERANCE_MS })
      : undefined;
  if (apiKeys.length === 0 && !jwt) logger.warn('no API keys and no JWT secret configured: every route that requires authentication answers 401');
  logger.info('authentication configured', { apiKeyClients: apiKeys.length, jwt: jwt !== undefined });
  return { apiKeys, jwt };
}

/**
 * The API gateway: routes public paths to services through the internal load balancer. Routes come
 * from the services' own Consul meta (`gateway-prefix`, `gateway-auth`), so exposing a service
 * needs no change here. Every piece lives in the gateway's own Fastify scope, so its body handling
 * and rate limits leave the kit's health and metrics routes untouched.
 */
export const gatewayService: ServiceDefinition<typeof gatewayConfigShape> = {
  name: NAME,
  version: VERSION,
  tags: ['edge'],
  config: gatewayConfigShape,
  async setup({ app, config, consulToken, logger }) {
    checkGatewayConfig(config);
    const auth = createAuthenticator(config, logger);
    const lbOrigin = `http://${config.INTERNAL_LB_ADDR.host}:${config.INTERNAL_LB_ADDR.port}`;
    // One keep-alive pool to the load balancer for proxied calls and /docs fetches alike.
    const pool = new Pool(lbOrigin, {
      connections: config.GATEWAY_UPSTREAM_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: config.GATEWAY_UPSTREAM_KEEPALIVE_MS,
      keepAliveMaxTimeout: config.GATEWAY_UPSTREAM_KEEPALIVE_MS,
      connect: { timeout: config.GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS },
      headersTimeout: config.GATEWAY_UPSTREAM_TIMEOUT_MS,
      bodyTimeout: config.GATEWAY_UPSTREAM_TIMEOUT_MS,
    });
    const grants = loadRouteGrants(config.GATEWAY_ROUTE_GRANTS_FILE);
    logger.info('route grants loaded', { file: config.GATEWAY_ROUTE_GRANTS_FILE, services: [...grants.keys()] });
    const watcher = watchRoutes({ consulAddr: `${config.CONSUL_HTTP_ADDR.host}:${config.CONSUL_HTTP_ADDR.port}`, consulToken, selfName: NAME, logger, grants });

    await app.register(async (scope) => {
      scope.decorateRequest('gatewayRoute', null);
      scope.decorateRequest('gatewayUrl', null);
      scope.decorateRequest('clientId', null);
      installBodyPassthrough(scope);
      await installForwarding(scope, { pool, lbOrigin });
      await installRateLimit(scope, {
        max: config.GATEWAY_RATE_LIMIT_MAX,
        windowMs: config.GATEWAY_RATE_LIMIT_WINDOW_MS,
        trustedProxies: config.GATEWAY_TRUSTED_PROXIES,
        maxFor: (clientId) => clientRateLimit(auth, clientId),
      });
      installDocsRoute(scope, { pool, routes: watcher.current, logger, version: VERSION });
      installProxyRoute(scope, { routes: watcher.current, auth, logger });
    });
    logger.info('gateway routing through the internal load balancer', { internalLb: lbOrigin });

    return {
      close: async () => {
        watcher.stop();
        await pool.close();
      },
    };
  },
};
