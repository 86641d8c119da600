import { mkdirSync, writeFileSync } from 'node:fs';
import { PlatformError } from '@platform/process-runner';
import { NODE_ROLES, runsOnRole, type NodeRole } from '../node-role';
import { discoverServices, type ServiceEntry } from '../service-catalog';
import { loadSettings, statePaths } from '../settings';
import type { SupervisorPlan } from '../supervisor/plan';
import { runSupervisor } from '../supervisor/supervisor';
import { parseScaleSpec } from '../scale-spec';

/**
 * The services a node of `role` runs (the gateway on edge nodes, the others on service nodes),
 * of those `known` here: those PLATFORM_SERVICES names (`users=2,orders=2`), or each at its default count.
 */
export function servicesOfNode(role: NodeRole, known: readonly ServiceEntry[], specs: readonly string[] | undefined): SupervisorPlan['services'] {
  const here = known.filter((s) => runsOnRole(role, s.name));
  if (!specs || specs.length === 0) return here.map((s) => ({ name: s.name, entry: s.entry, instances: s.defaultInstances }));
  return specs.map((spec) => {
    const { service, instances } = parseScaleSpec(spec);
    const entry = here.find((s) => s.name === service);
    if (!entry) {
      const why = known.some((s) => s.name === service) ? `which does not run on ${role} nodes` : 'which is not a service here';
      throw new PlatformError('PLATFORM_UNKNOWN_SERVICE', `PLATFORM_SERVICES names ${service}, ${why}; ${role} nodes run: ${here.map((s) => s.name).join(', ') || 'none'}`);
    }
    return { name: service, entry: entry.entry, instances };
  });
}

/**
 * One machine of the cloud layout, in the foreground (systemd's platform-node.service runs it):
 * the components of its PLATFORM_ROLE, and on a service or edge node its service instances, supervised
 * exactly as `platform up` supervises them locally. SIGTERM stops everything in order.
 */
export async function node(): Promise<number> {
  const settings = loadSettings();
  if (settings.node.role === 'all') {
    throw new PlatformError('PLATFORM_USAGE', `platform node runs one role of the cloud layout: set PLATFORM_ROLE to ${NODE_ROLES.filter((r) => r !== 'all').join(', ')} (for everything on one machine: platform up)`);
  }
  const plan: SupervisorPlan = { settings, services: ['service', 'edge'].includes(settings.node.role) ? servicesOfNode(settings.node.role, discoverServices(), settings.services.onNode) : [] };
  const paths = statePaths(settings.stateDir);
  mkdirSync(paths.logDir, { recursive: true });
  writeFileSync(paths.planFile, JSON.stringify(plan, null, 2));
  process.stdout.write(`▸ ${settings.nodeName}: ${settings.node.role} node (supervisor log: ${paths.supervisorLog})\n`);
  return runSupervisor(plan);
}
