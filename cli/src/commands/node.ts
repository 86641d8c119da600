import { mkdirSync, writeFileSync } from 'node:fs';
import { PlatformError } from '@platform/process-runner';
import { discoverServices } from '../service-catalog';
import { loadSettings, statePaths } from '../settings';
import type { SupervisorPlan } from '../supervisor/plan';
import { runSupervisor } from '../supervisor/supervisor';
import { parseScaleSpec } from '../scale-spec';

/** PLATFORM_SERVICES (`gateway=2,users=2`) or every service at its default count. */
function servicesOfNode(): SupervisorPlan['services'] {
  const known = discoverServices();
  const raw = process.env.PLATFORM_SERVICES?.trim();
  if (!raw) return known.map((s) => ({ name: s.name, entry: s.entry, instances: s.defaultInstances }));
  return raw.split(',').map((spec) => {
    const { service, instances } = parseScaleSpec(spec.trim());
    const entry = known.find((s) => s.name === service);
    if (!entry) throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', `PLATFORM_SERVICES names ${service}, which is not a service here; known: ${known.map((s) => s.name).join(', ')}`);
    return { name: service, entry: entry.entry, instances };
  });
}

/**
 * One machine of the cloud layout, in the foreground (systemd's platform-node.service runs it):
 * the components of its PLATFORM_ROLE, and on a service node its service instances, supervised
 * exactly as `platform up` supervises them locally. SIGTERM stops everything in order.
 */
export async function node(): Promise<number> {
  const settings = loadSettings();
  if (settings.node.role === 'all') {
    throw new PlatformError('PLATFORM_USAGE', 'platform node runs one role of the cloud layout: set PLATFORM_ROLE to consul-server, service, edge or database (for everything on one machine: platform up)');
  }
  const plan: SupervisorPlan = { settings, services: settings.node.role === 'service' ? servicesOfNode() : [] };
  const paths = statePaths(settings.stateDir);
  mkdirSync(paths.logDir, { recursive: true });
  writeFileSync(paths.planFile, JSON.stringify(plan, null, 2));
  process.stdout.write(`▸ ${settings.nodeName}: ${settings.node.role} node (supervisor log: ${paths.supervisorLog})\n`);
  return runSupervisor(plan);
}
