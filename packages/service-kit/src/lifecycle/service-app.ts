import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { loadConfig } from '../config/load-config';
import { createConsulClient, readConsulToken } from '../discovery/consul-client';
import { StartupError } from '../errors/kit-errors';
import { FeatureFlags } from '../flags/feature-flags';
import { createHttpApp } from '../http/app';
import type { HealthState } from '../http/health';
import { createServiceClient } from '../http/service-client';
import { closeLogger, createLogger } from '../logging/logger';
import { createServiceMetrics } from '../metrics/registry';
import { nameTracedService } from '../tracing/start-tracing';
import type { ServiceConfig, ServiceContext, ServiceDefinition, ServiceParts } from './service';

/** A service's app with its routes and parts set up, not yet listening nor registered. */
export interface ServiceApp<Extra extends z.ZodRawShape> extends ServiceContext<ServiceConfig<Extra>> {
  instanceId: string;
  health: HealthState;
  parts: ServiceParts;
  /** Releases what setup opened (database, messaging) and the logger, for an app that never listened. */
  close(): Promise<void>;
}

/**
 * Everything startService does before it listens: config, logger, metrics, the kit's HTTP app and
 * the service's own setup. Tests build an app through here to call it with `inject()` exactly as
 * it runs in production, with no socket and no Consul registration.
 */
export async function buildServiceApp<Extra extends z.ZodRawShape>(definition: ServiceDefinition<Extra>, env: NodeJS.ProcessEnv = process.env): Promise<ServiceApp<Extra>> {
  const config: ServiceConfig<Extra> = loadConfig(env, definition.config);
  const consulToken = readConsulToken(config.CONSUL_HTTP_TOKEN_FILE);
  const instanceId = config.INSTANCE_ID ?? `${definition.name}-${config.NODE_NAME}-${randomBytes(4).toString('hex')}`;
  const advertised = config.SERVICE_ADDRESS ?? config.HOST;
  if (advertised === '0.0.0.0' || advertised === '::') {
    throw new StartupError('SERVICE_ADDRESS must be set when HOST is a wildcard address: Consul needs an address callers can reach');
  }
  nameTracedService({ service: definition.name, version: definition.version, instanceId });
  const metrics = createServiceMetrics({ service: definition.name, instance: instanceId });
  const logger = createLogger({
    service: definition.name,
    version: definition.version,
    instanceId,
    node: config.NODE_NAME,
    level: config.LOG_LEVEL,
    logDir: config.LOG_DIR,
    toStdout: config.LOG_TO_STDOUT,
    redactKeys: [...(definition.redactKeys ?? []), ...config.LOG_REDACT_KEYS],
    onErrorGroup: (group) => metrics.errorGroups.inc({ fingerprint: group.fingerprint, error_type: group.type }),
  });
  const health: HealthState = { draining: false, checks: [] };
  const app = createHttpApp({ logger, metrics, health, bodyLimit: config.BODY_LIMIT_BYTES, openApi: { title: definition.name, version: definition.version } });
  const consul = createConsulClient(config.CONSUL_HTTP_ADDR, undefined, consulToken);
  // Loads the kit's plugins (OpenAPI) before the service adds routes, so every route is documented.
  await app.after();

  const services = createServiceClient(config.INTERNAL_LB_ADDR);
  // Empty until startService's watch reads Consul: an app built for inject() tests answers every flag's default.
  const flags = new FeatureFlags(logger, metrics);
  const context: ServiceContext<ServiceConfig<Extra>> = { app, config, logger, metrics, consul, consulToken, services, flags };
  const parts = (await definition.setup(context)) ?? {};
  health.checks.push(...(parts.readiness ?? []));
  return {
    ...context,
    instanceId,
    health,
    parts,
    async close() {
      await app.close();
      await parts.close?.();
      await closeLogger(logger);
    },
  };
}
