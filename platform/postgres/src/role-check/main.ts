import { z } from 'zod';
import { MAX_REPLICA_LAG_VAR, StartupError, env, maxReplicaLagVar, runMain } from '@platform/service-kit';
import { DB_ROLES } from '../secrets';
import { installRoleRoutes } from './role-routes';
import { RoleObserver } from './role-observer';
import { registerSynchronousModeGauge } from './synchronous-mode-gauge';

/**
 * The role check of one PostgreSQL server, itself an instance on the kit. It registers the
 * server in Consul as service `postgres`: Service.Port is PostgreSQL's port (what load balancers
 * connect to), meta names this endpoint's port, tags follow the role it observes, and Consul's
 * check calls GET /health here.
 */
runMain({
  name: 'postgres',
  version: '0.1.0',
  config: {
    PG_SERVER_NAME: env.identifierVar,
    PG_HOST: env.ipVar.default('127.0.0.1'),
    PG_PORT: env.portVar,
    PG_DATABASE: z.string().min(1).default('postgres'),
    PG_MONITOR_PASSWORD_FILE: z.string().min(1),
    [MAX_REPLICA_LAG_VAR]: maxReplicaLagVar,
    ROLE_POLL_INTERVAL_MS: env.integerVar(20, 60_000).default('100'),
    /** The server's Patroni REST API: a server is primary only while Patroni holds the leader lock. */
    PATRONI_URL: z.string().url().regex(/^http:\/\/[0-9.]+:\d+$/, 'http://<ipv4>:<port>').optional(),
  },
  async setup({ app, config, logger, metrics }) {
    // Meta must name the port checks reach, and it is written before the server listens.
    if (config.PORT === 0) throw new StartupError('PORT must be set (not 0): the role-check port is published in Consul meta');
    const observer = new RoleObserver({
      server: config.PG_SERVER_NAME,
      host: config.PG_HOST,
      port: config.PG_PORT,
      user: DB_ROLES.monitor,
      passwordFile: config.PG_MONITOR_PASSWORD_FILE,
      database: config.PG_DATABASE,
      maxLagMs: config[MAX_REPLICA_LAG_VAR],
      intervalMs: config.ROLE_POLL_INTERVAL_MS,
      patroniUrl: config.PATRONI_URL,
      logger,
    });
    await observer.start();
    installRoleRoutes(app, observer);
    if (config.PATRONI_URL) registerSynchronousModeGauge(metrics.registry, config.PATRONI_URL);
    return {
      readiness: [{ name: 'postgres', check: async () => observer.report().reachable }],
      close: () => observer.stop(),
      registration: {
        port: config.PG_PORT,
        checkPath: '/health',
        // A critical role check takes its server out of the database HAProxy, which cuts every
        // session to it (on-marked-down shutdown-sessions). One check that timed out while the
        // machine was busy did exactly that to a healthy primary in a CI run; a server really lost
        // is still out within ~3 s, and HAProxy's own /primary and /replica checks react first.
        failuresBeforeCritical: 3,
        meta: { protocol: 'postgresql', 'pg-server': config.PG_SERVER_NAME, 'check-port': String(config.PORT), 'max-replica-lag-ms': String(config[MAX_REPLICA_LAG_VAR]) },
        dynamicTags: () => {
          const { role } = observer.report();
          return role === 'unknown' ? [] : [role];
        },
      },
    };
  },
});
