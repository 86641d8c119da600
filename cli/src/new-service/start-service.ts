import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@platform/process-runner';
import { READER_TOKEN } from '@platform/consul';
import { commandConsulToken } from '../consul-tokens';
import { unroutedInstances } from '../lb-view';
import { instanceTable } from '../platform-view';
import { statePaths, type PlatformSettings } from '../settings';
import { callControl } from '../supervisor/control-server';
import { readState, type SupervisorState } from '../supervisor/state';

export interface StartedService {
  table: string;
  /** Where callers reach it: the edge URL of its route, or the internal LB's Host header. */
  reachable: string[];
}

/**
 * Starts a service on the running platform as `platform scale` does (the supervisor adopts the
 * folder: migrations, its OS account and Consul token, then the instances; nothing else restarts),
 * then waits until every instance passes in Consul, the load balancers route it, and the edge
 * knows its route, so the addresses printed answer.
 */
export async function startOnPlatform(settings: PlatformSettings, name: string, instances: number, route: string | undefined): Promise<StartedService> {
  const paths = statePaths(settings.stateDir);
  await callControl(paths.socket, 'POST', '/scale', { service: name, instances });
  const token = commandConsulToken(settings, READER_TOKEN);
  const ours = (state: SupervisorState) => state.instances.filter((i) => i.service === name);
  const view = await waitFor(
    async () => {
      const state = readState(paths.stateFile);
      if (!state) return undefined;
      const seen = await instanceTable(state, token);
      const passing = ours(state).filter((i) => seen.consul.some((c) => c.id === i.id && c.health === 'passing'));
      if (passing.length < instances) return undefined;
      return (await unroutedInstances(seen.consul, passing)).length === 0 ? seen : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${name}'s ${instances} instance(s) to pass in Consul and be routed (see platform status, platform logs ${name})` },
  );
  const edge = `http://${settings.edge.host}:${settings.edge.port}`;
  const devKeyFile = join(settings.stateDir, 'gateway', 'dev-api-key');
  const devKey = existsSync(devKeyFile) ? readFileSync(devKeyFile, 'utf8').trim() : undefined;
  const reachable: string[] = [];
  if (route) {
    await waitFor(() => edgeServes(`${edge}${route}/items`, devKey), { timeoutMs: 30_000, intervalMs: 250, what: `the edge to route ${route} to ${name}` });
    reachable.push(`${edge}${route}/items   (curl -H "X-API-Key: $(cat ${devKeyFile})" ...)`);
  }
  const base = route ?? `/${name}`;
  reachable.push(`http://${settings.internalLb.host}:${settings.internalLb.port}${base}/items with Host: ${name}   (from other services: services.call('${name}', '${base}/items'))`);
  return { table: view.text, reachable };
}

/**
 * The gateway learns routes from Consul by itself, a moment after the instances pass: until then
 * the edge answers 404 for the route. With the local development key the route must answer 200;
 * without one (operators' keys), a 401 shows the route is known.
 */
async function edgeServes(url: string, devKey: string | undefined): Promise<boolean> {
  const res = await fetch(url, { headers: devKey ? { 'x-api-key': devKey } : {}, signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
  return res?.status === 200 || (devKey === undefined && res?.status === 401);
}
