import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConsulAcl, isTokenName, localTokensDir, serviceTokenName } from '@platform/consul';
import { ensureSecretFile, PlatformError, readSecretFile } from '@platform/process-runner';
import type { PlatformSettings } from './settings';

/** Datacenter of the lone local agent (the cloud's comes from CONSUL_DATACENTER). */
export const LOCAL_DATACENTER = 'local';

/** The role tokens `platform up` mints beside the per-service ones. */
const LOCAL_ROLE_TOKENS = ['agent', 'lb-controller', 'gateway', 'monitoring', 'postgres', 'patroni'] as const;

export interface ConsulSecretPaths {
  /** Local only: where the agent's generated secrets live (consul/secrets under the state folder). */
  localDir?: string;
  /** One 0600 file per token name; each process is handed the path of its own. */
  tokensDir: string;
  /** Present where tokens can be minted: locally, and on consul-server nodes. */
  managementTokenFile?: string;
}

export function consulSecretPaths(settings: PlatformSettings): ConsulSecretPaths {
  const cloud = settings.node.consul?.secrets;
  if (cloud) return { tokensDir: cloud.tokensDir, managementTokenFile: cloud.managementTokenFile };
  const localDir = join(settings.stateDir, 'consul', 'secrets');
  return { localDir, tokensDir: localTokensDir(localDir), managementTokenFile: join(localDir, 'management.token') };
}

/** The file holding token `name` for a process of this node (it may not exist yet). */
export const consulTokenFile = (settings: PlatformSettings, name: string): string => join(consulSecretPaths(settings).tokensDir, name);

/**
 * The token `platform status` and friends read Consul with: the management token where this
 * machine holds it (a root-only file), else a read-only role token the node has (a cloud service
 * or edge node: lb-controller; monitoring), else none (Consul then shows nothing).
 */
export function operatorConsulToken(settings: PlatformSettings): string | undefined {
  const paths = consulSecretPaths(settings);
  const candidates = [paths.managementTokenFile, join(paths.tokensDir, 'lb-controller'), join(paths.tokensDir, 'monitoring')];
  for (const file of candidates) {
    try {
      if (file && existsSync(file)) return readSecretFile(file, 'a Consul token file');
    } catch {
      // Not ours to read (another user's 0600 file): try the next.
    }
  }
  return undefined;
}

function aclFor(settings: PlatformSettings, httpAddr: string): ConsulAcl | undefined {
  const file = consulSecretPaths(settings).managementTokenFile;
  return file ? new ConsulAcl(httpAddr, readSecretFile(file, 'the Consul management token file')) : undefined;
}

const datacenterOf = (settings: PlatformSettings): string => settings.node.consul?.datacenter ?? LOCAL_DATACENTER;

/**
 * After the agent is up, where a management token is held: locally, the role tokens (each file
 * generated once); on a consul-server, every token whose file the boot script placed, with the
 * SecretID terraform generated. Both are idempotent, so restarts and every server may run it.
 */
export async function ensureRoleTokens(settings: PlatformSettings, httpAddr: string): Promise<void> {
  const acl = aclFor(settings, httpAddr);
  if (!acl) return;
  await acl.ready(settings.node.consul ? 300_000 : 30_000);
  const { tokensDir } = consulSecretPaths(settings);
  const local = !settings.node.consul;
  const names = local ? [...LOCAL_ROLE_TOKENS] : readdirSync(tokensDir).filter(isTokenName);
  for (const name of names) {
    const file = join(tokensDir, name);
    const secret = local ? ensureSecretFile(file, randomUUID) : readSecretFile(file, `CONSUL_TOKENS_DIR/${name}`);
    // One node locally: its agent token names it; a cloud pool shares one agent token.
    await acl.ensureNamedToken(name, secret, { datacenter: datacenterOf(settings), nodeName: local && name === 'agent' ? settings.nodeName : undefined });
  }
}

/**
 * The token file for `service`'s instances. Where the management token is held (locally) it is
 * minted now (a service added later by `platform scale` too); elsewhere its file must have been
 * placed from SSM, and a missing one stops the start naming it.
 */
export async function ensureServiceToken(settings: PlatformSettings, httpAddr: string, service: string): Promise<string> {
  const name = serviceTokenName(service);
  const file = consulTokenFile(settings, name);
  const acl = settings.node.consul ? undefined : aclFor(settings, httpAddr);
  if (acl) {
    await acl.ensureNamedToken(name, ensureSecretFile(file, randomUUID), { datacenter: datacenterOf(settings) });
  } else if (!existsSync(file)) {
    throw new PlatformError('PLATFORM_CONSUL_TOKEN_MISSING', `no Consul token for ${service}: ${file} is missing (terraform keeps it in SSM as consul/tokens/${name})`);
  }
  return file;
}
