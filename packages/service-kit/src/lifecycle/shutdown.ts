import type { FastifyInstance } from 'fastify';
import { describeConsulError, type ConsulClient } from '../discovery/consul-client';
import { clearDrainConfirmations, waitForDrainConfirmations } from '../discovery/drain-handshake';
import type { ConsulRegistration } from '../discovery/registration';
import type { HealthState } from '../http/health';
import type { Logger } from '../logging/logger';

export interface DrainInput {
  app: FastifyInstance;
  health: HealthState;
  registration: ConsulRegistration;
  consul: ConsulClient;
  service: string;
  instanceId: string;
  logger: Logger;
  drainConfirmTimeoutMs: number;
  drainMs: number;
  reason: string;
  releaseParts?: () => Promise<void>;
}

/**
 * The order matters: leave the passing set first, so load balancers stop choosing this instance;
 * wait until every load balancer confirms it drained this instance (bounded), then serve on for
 * the drain period, so requests already routed here still succeed; only then close the server,
 * which waits for requests in flight; deregister last.
 */
export async function drainAndClose(input: DrainInput): Promise<void> {
  const { app, health, registration, logger } = input;
  logger.info('shutdown started; leaving the passing set', { reason: input.reason, drainMs: input.drainMs });
  health.draining = true;
  try {
    await registration.markDraining(input.reason);
  } catch (err) {
    logger.warn('could not mark the instance draining in Consul; its check will fail instead', { error: describeConsulError(err) });
  }
  registration.stop();
  const handshake = await waitForDrainConfirmations(input.consul, input.service, input.instanceId, input.drainConfirmTimeoutMs, logger);
  if (handshake.missing.length > 0) logger.warn('some load balancers did not confirm the drain in time', handshake);
  else if (handshake.confirmed.length > 0) logger.info('every load balancer confirmed the drain', { confirmed: handshake.confirmed });
  await new Promise((resolve) => setTimeout(resolve, input.drainMs));
  logger.info('drain period over; closing the HTTP server');
  await closeServer(app);
  if (input.releaseParts) await input.releaseParts();
  try {
    await registration.deregister();
    await clearDrainConfirmations(input.consul, input.service, input.instanceId);
  } catch (err) {
    logger.warn('could not deregister from Consul; it will reap the instance after its critical timeout', { error: describeConsulError(err) });
  }
  logger.info('shutdown complete');
}

/**
 * Fastify closes the sockets that are idle when close starts; a socket whose last request ends
 * later would hold the server open, so idle ones are swept until the close completes.
 */
async function closeServer(app: FastifyInstance): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}
