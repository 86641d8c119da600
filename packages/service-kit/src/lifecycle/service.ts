import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { BaseConfig } from '../config/base-config';
import type { LoadedConfig } from '../config/load-config';
import { describeConsulError, type ConsulClient } from '../discovery/consul-client';
import { ConsulRegistration, type RegistrationOverrides } from '../discovery/registration';
import { StartupError } from '../errors/kit-errors';
import type { FeatureFlags } from '../flags/feature-flags';
import { watchFlags, type FlagsWatch } from '../flags/flags-watch';
import type { ServiceClient } from '../http/service-client';
import { evaluateReadiness, type ReadinessCheck } from '../http/health';
import { closeLogger, type Logger } from '../logging/logger';
import { flushTracing } from '../tracing/start-tracing';
import type { ServiceMetrics } from '../metrics/registry';
import { buildServiceApp } from './service-app';
import { registerAtStart } from './register-at-start';
import { drainAndClose } from './shutdown';

export type ServiceConfig<Extra extends z.ZodRawShape> = LoadedConfig<Extra>;

export interface ServiceContext<Config extends BaseConfig> {
  app: FastifyInstance;
  config: Config;
  logger: Logger;
  metrics: ServiceMetrics;
  consul: ConsulClient;
  /** The instance's Consul ACL token, for Consul calls of the service's own (the kit's watches take it as `token`). */
  consulToken: string | undefined;
  /** Other services, reached through the internal load balancer. */
  services: ServiceClient;
  /** Feature flags from Consul KV, held in memory: `flags.enabled('new-checkout')` in a handler (docs/feature-flags.md). */
  flags: FeatureFlags;
}

/** What a service adds at setup: readiness checks for its dependencies and how to release them. */
export interface ServiceParts {
  readiness?: ReadinessCheck[];
  close?: () => Promise<void>;
  /** Only for instances that front another protocol (see RegistrationOverrides). */
  registration?: RegistrationOverrides;
}

export interface ServiceDefinition<Extra extends z.ZodRawShape> {
  name: string;
  version: string;
  /** The service's own environment variables, validated with the kit's. */
  config?: Extra;
  tags?: string[];
  /** Consul service meta; later platform parts (routing, drain) read it. */
  meta?: Record<string, string>;
  /**
   * false: the instance never reads feature flags (every flag answers its default) and holds no
   * Consul query for them: the platform's own processes (load-balancer controllers), whose Consul
   * connections are counted and whose tokens may not read flags.
   */
  featureFlags?: boolean;
  /** Fields, beyond the kit's list, whose values never reach a log line. */
  redactKeys?: string[];
  setup(context: ServiceContext<ServiceConfig<Extra>>): Promise<ServiceParts | void>;
}

export interface RunningService {
  readonly instanceId: string;
  readonly address: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly logger: Logger;
  /** Leaves Consul's passing set, drains, closes; safe to call more than once. */
  stop(reason: string): Promise<void>;
}

export async function startService<Extra extends z.ZodRawShape>(definition: ServiceDefinition<Extra>, env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const { config, logger, app, consul, consulToken, flags, instanceId, health, parts } = await buildServiceApp(definition, env);
  const advertised = config.SERVICE_ADDRESS ?? config.HOST;

  const consulDeadline = Date.now() + config.CONSUL_START_TIMEOUT_MS;
  await waitForConsulAgent(consul, config.CONSUL_HTTP_ADDR, config.CONSUL_START_TIMEOUT_MS);
  const flagsWatch: FlagsWatch =
    definition.featureFlags === false ? { loaded: Promise.resolve(), stop: () => undefined } : watchFlags({ httpAddr: formatAddr(config.CONSUL_HTTP_ADDR), token: consulToken, flags, logger });
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (err) {
    flagsWatch.stop();
    throw new StartupError(`cannot listen on ${config.HOST}:${config.PORT}: ${describeConsulError(err)}`, { cause: err });
  }
  const port = boundPort(app);
  // Before registering: the instance's first routed request already sees the flags.
  await firstFlags(flagsWatch.loaded, logger);

  const registration = new ConsulRegistration(
    consul,
    {
      id: instanceId,
      name: definition.name,
      address: advertised,
      port: parts.registration?.port ?? port,
      checkPort: port,
      checkPath: parts.registration?.checkPath,
      tags: [...(definition.tags ?? []), ...config.SERVICE_TAGS],
      dynamicTags: parts.registration?.dynamicTags,
      // protocol=http tells the load balancers this instance is theirs to route; metrics-port
      // tells Prometheus where to scrape, which differs from `port` for a database role checker.
      meta: {
        version: definition.version,
        node: config.NODE_NAME,
        protocol: 'http',
        'metrics-port': String(port),
        'metrics-path': '/metrics',
        ...(definition.meta ?? {}),
        ...(parts.registration?.meta ?? {}),
        // What the load balancers split traffic by during a canary or blue-green deploy; last, so no definition overrides it.
        ...(config.PLATFORM_RELEASE ? { release: config.PLATFORM_RELEASE } : {}),
      },
      check: {
        interval: config.CHECK_INTERVAL,
        timeout: config.CHECK_TIMEOUT,
        deregisterCriticalAfter: config.DEREGISTER_CRITICAL_AFTER,
        failuresBeforeCritical: parts.registration?.failuresBeforeCritical,
      },
    },
    logger,
  );
  try {
    await registerAtStart(registration, async () => (await evaluateReadiness(health)).ok, consulDeadline);
  } catch (err) {
    flagsWatch.stop();
    await app.close();
    throw new StartupError(`cannot register with the Consul agent at ${formatAddr(config.CONSUL_HTTP_ADDR)}: ${describeConsulError(err)}`, { cause: err });
  }
  registration.keepRegistered(config.REREGISTER_INTERVAL_MS, async () => (await evaluateReadiness(health)).ok);
  logger.info('service started', { address: advertised, port, version: definition.version });

  let stopping: Promise<void> | undefined;
  return {
    instanceId,
    address: advertised,
    port,
    app,
    logger,
    stop(reason) {
      stopping ??= drainAndClose({
        app,
        health,
        registration,
        consul,
        service: definition.name,
        instanceId,
        logger,
        drainConfirmTimeoutMs: config.DRAIN_CONFIRM_TIMEOUT_MS,
        drainMs: config.DRAIN_MS,
        reason,
        releaseParts: async () => {
          flagsWatch.stop();
          await parts.close?.();
        },
      }).finally(() => Promise.all([closeLogger(logger), flushTracing()]).then(() => undefined));
      return stopping;
    },
  };
}

/** Callers get the flags as Consul holds them from the first request, unless Consul is slow to say (then defaults until it does). */
async function firstFlags(loaded: Promise<void>, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), FIRST_FLAGS_WAIT_MS)));
  if (await Promise.race([loaded.then(() => false), late])) logger.warn('feature flags not read from Consul yet; flags answer their defaults until they are');
  clearTimeout(timer);
}

const FIRST_FLAGS_WAIT_MS = 2_000;

const formatAddr = (addr: { host: string; port: number }): string => `${addr.host}:${addr.port}`;

function boundPort(app: FastifyInstance): number {
  const address = app.server.address();
  if (address && typeof address === 'object') return address.port;
  throw new StartupError('the HTTP server reported no port after listening');
}

/**
 * A service that cannot register is useless to callers, so start fails clearly after a bounded
 * wait. It asks for the cluster's leader: that needs no ACL token, and an agent without a leader
 * could not take a registration anyway.
 */
async function waitForConsulAgent(consul: ConsulClient, addr: { host: string; port: number }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (((await consul.status.leader()) as string).length > 0) return;
      throw new Error('the agent knows no cluster leader yet');
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new StartupError(`cannot reach the Consul agent at ${formatAddr(addr)} (${describeConsulError(err)}); is it running? Set CONSUL_HTTP_ADDR to its HTTP address`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
