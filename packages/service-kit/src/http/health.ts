import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger';
import { within } from '../util/within';
import { probeRoute } from './probe-route';

/** A dependency the instance needs to do useful work; `check` throws or returns false when it cannot. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean | void>;
}

export interface HealthState {
  draining: boolean;
  checks: ReadinessCheck[];
}

const CHECK_TIMEOUT_MS = 800;

async function runCheck(check: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  try {
    const result = await within(check.check(), CHECK_TIMEOUT_MS);
    return { name: check.name, ok: result !== false };
  } catch (err) {
    return { name: check.name, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export interface ReadinessReport {
  ok: boolean;
  checks: { name: string; ok: boolean; error?: string }[];
}

export async function evaluateReadiness(state: HealthState): Promise<ReadinessReport> {
  if (state.draining) return { ok: false, checks: [] };
  const checks = await Promise.all(state.checks.map(runCheck));
  return { ok: checks.every((r) => r.ok), checks };
}

/**
 * /health/live answers while the process can serve HTTP at all; /health/ready only while every
 * dependency check passes and the instance is not draining. Consul's check calls /health/ready.
 */
export function installHealthRoutes(app: FastifyInstance, state: HealthState, logger: Logger): void {
  // Probes are not logged one by one (probe-route.ts); a change of answer is, with the failing
  // checks' reasons, so an instance that left its load balancers says why.
  let lastStatus = 'ready';
  app.get('/health/live', probeRoute, async () => ({ status: 'ok' }));
  app.get('/health/ready', probeRoute, async (_request, reply) => {
    const report = await evaluateReadiness(state);
    const status = state.draining ? 'draining' : report.ok ? 'ready' : 'unready';
    if (status !== lastStatus) {
      const failing = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error ?? 'not ready'}`);
      if (status === 'unready') logger.warn('readiness check failing', { from: lastStatus, failing });
      else logger.info(`readiness: ${status}`, { from: lastStatus });
      lastStatus = status;
    }
    return reply.code(report.ok ? 200 : 503).send({ status, checks: report.checks });
  });
}
