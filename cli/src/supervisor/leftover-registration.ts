import { readFileSync } from 'node:fs';
import { consulRequest, type ConsulAccess } from '../deploys/rollout-kv';

/**
 * An instance deregisters itself at the very end of its shutdown; one that died during it (a
 * crash in its shutdown, the grace period's SIGKILL) leaves its registration on the agent, in
 * maintenance, until Consul reaps it minutes later. Instance ids are reused (slot numbers): the
 * next instance given that id registers over it, and a deploy that reported the old instance
 * "drained and stopped" still showed it in Consul. So once a stopped instance is gone, what it
 * left is removed, with its service's own token. True when there was something to remove.
 */
export async function removeLeftoverRegistration(consulAddr: string, tokenFile: string, instanceId: string): Promise<boolean> {
  const access: ConsulAccess = { addr: consulAddr, token: readFileSync(tokenFile, 'utf8').trim() };
  const id = encodeURIComponent(instanceId);
  const seen = await consulRequest(access, 'GET', `/v1/agent/service/${id}`, undefined, [404]);
  await seen.body?.cancel();
  if (seen.status === 404) return false;
  const removed = await consulRequest(access, 'PUT', `/v1/agent/service/deregister/${id}`);
  await removed.body?.cancel();
  return true;
}
