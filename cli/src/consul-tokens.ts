import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConsulAcl, DEPLOYER_TOKEN, FLAGS_WRITER_TOKEN, isTokenName, localTokensDir, READER_TOKEN, serviceTokenName } from '@platform/consul';
import { ensureSecretFile, PlatformError, readSecretFile } from '@platform/process-runner';
import type { PlatformSettings } from './settings';

/** Datacenter of the lone local agent (the cloud's comes from CONSUL_DATACENTER). */
export const LOCAL_DATACENTER = 'local';

/**
 * The role and operator tokens `platform up` mints beside the per-service ones. A state folder
 * from before a token was added gets it at the next `up` (its file is made when missing).
 */
const LOCAL_ROLE_TOKENS = ['agent', 'lb-controller', 'gateway', 'monitoring', 'postgres', 'patroni', FLAGS_WRITER_TOKEN, DEPLOYER_TOKEN, READER_TOKEN] as const;

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

/** The tokens the CLI's own commands run with, each the least its commands need (acl-rules.ts). */
export const COMMAND_TOKENS = [READER_TOKEN, FLAGS_WRITER_TOKEN, DEPLOYER_TOKEN] as const;
export type CommandTokenName = (typeof COMMAND_TOKENS)[number];

/**
 * The one way a command picks its Consul token: `reader` for every read (status, flags get/list,
 * db status, the console, new service's checks), `flags-writer` for `platform flags set`,
 * `deployer` for the supervisor's deploys. Never the management token, which only mints and
 * revokes. Minted at `platform up` locally; a cloud node has them from SSM. A missing file stops
 * the command naming it: a view without a token would show Consul empty, not say why.
 */
export function commandConsulToken(settings: PlatformSettings, name: CommandTokenName): string {
  const file = consulTokenFile(settings, name);
  if (!existsSync(file)) {
    throw new PlatformError('PLATFORM_CONSUL_TOKEN_MISSING', `no Consul token ${name} on this machine: ${file} is missing (platform up mints it locally; a cloud node gets it from SSM consul/tokens/${name})`);
  }
  return readSecretFile(file, `the Consul ${name} token file`);
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
 * `only`: just these names (`up` on a running platform mints the command tokens it lacks).
 */
export async function ensureRoleTokens(settings: PlatformSettings, httpAddr: string, only?: readonly string[]): Promise<void> {
  const acl = aclFor(settings, httpAddr);
  if (!acl) return;
  await acl.ready(settings.node.consul ? 300_000 : 30_000);
  const { tokensDir } = consulSecretPaths(settings);
  const local = !settings.node.consul;
  const names = (local ? [...LOCAL_ROLE_TOKENS] : readdirSync(tokensDir).filter(isTokenName)).filter((name) => !only || only.includes(name));
  for (const name of names) {
    const file = join(tokensDir, name);
    const secret = local ? ensureSecretFile(file, randomUUID) : readSecretFile(file, `CONSUL_TOKENS_DIR/${name}`);
    // One node locally: its agent token names it; a cloud pool, and the servers and client of a
    // local --ha cluster, share one agent token.
    await acl.ensureNamedToken(name, secret, { datacenter: datacenterOf(settings), nodeName: local && !settings.ha && name === 'agent' ? settings.nodeName : undefined });
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

/**
 * `platform remove service`: the token `ensureServiceToken` minted for `service` is deleted in
 * Consul (with its own policy) and its file removed. Only where this machine minted it (locally);
 * a cloud node's came from SSM, where terraform owns it. A token a component also runs with
 * (`postgres`, `lb-controller`) is never touched. Resolves with the token's name when revoked.
 */
export async function revokeServiceToken(settings: PlatformSettings, httpAddr: string, service: string): Promise<string | undefined> {
  const name = serviceTokenName(service);
  const file = consulTokenFile(settings, name);
  if (settings.node.consul || (name !== `service-${service}` && name !== 'gateway') || !existsSync(file)) return undefined;
  const acl = aclFor(settings, httpAddr);
  if (!acl) return undefined;
  await acl.revokeNamedToken(name, readSecretFile(file, `the Consul token file of ${service}`), { datacenter: datacenterOf(settings) });
  rmSync(file, { force: true });
  return name;
}
