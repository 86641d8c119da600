import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSecretFile, readSecretFile } from '@platform/process-runner';

/**
 * Where an agent's secrets are, as files (0600) named by path: what the agent reads at start.
 * A server has its own certificate; a client gets one from the servers (auto_encrypt).
 */
export interface ConsulSecurity {
  /** The gossip key: 32 random bytes, base64. */
  gossipKeyFile: string;
  /** The CA every agent verifies the servers' certificates with (`consul tls ca create`). */
  caFile: string;
  /** Servers only: their certificate and key (`consul tls cert create -server`). */
  serverCert?: { certFile: string; keyFile: string };
  /** Servers only: the management token the ACL system is bootstrapped with. */
  managementTokenFile?: string;
  /** The token the agent does its own work with (its node's catalog entry). */
  agentTokenFile?: string;
}

/** The secret values, read from the files just before the agent's config is rendered. */
export interface SecurityValues {
  encryptKey: string;
  caFile: string;
  serverCert?: { certFile: string; keyFile: string };
  initialManagement?: string;
  agentToken?: string;
}

export function readSecurityValues(security: ConsulSecurity): SecurityValues {
  return {
    encryptKey: readSecretFile(security.gossipKeyFile, 'the Consul gossip key file'),
    caFile: security.caFile,
    serverCert: security.serverCert,
    initialManagement: security.managementTokenFile ? readSecretFile(security.managementTokenFile, 'the Consul management token file') : undefined,
    agentToken: security.agentTokenFile ? readSecretFile(security.agentTokenFile, 'the Consul agent token file') : undefined,
  };
}

const newGossipKey = (): string => randomBytes(32).toString('base64');

/** Runs `consul tls ...` in `dir`, where it writes its files; only key paths are passed, never key contents. */
function consulTls(binary: string, dir: string, args: string[]): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  execFileSync(binary, ['tls', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A server's own certificate, signed by the cluster's CA, valid for `server.<dc>.consul` (verify_server_hostname). */
export function ensureServerCert(options: { dir: string; caFile: string; caKeyFile: string; datacenter: string; binary: string }): { certFile: string; keyFile: string } {
  const certFile = join(options.dir, `${options.datacenter}-server-consul-0.pem`);
  const keyFile = join(options.dir, `${options.datacenter}-server-consul-0-key.pem`);
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    consulTls(options.binary, options.dir, ['cert', 'create', '-server', '-dc', options.datacenter, '-ca', options.caFile, '-key', options.caKeyFile]);
  }
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}

/**
 * Everything a lone local server needs, generated once under `dir` (0700) and kept across
 * restarts: gossip key, CA and CA key, the server certificate, the management and agent tokens.
 */
export function ensureLocalSecurity(dir: string, datacenter: string, binary: string): ConsulSecurity {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const gossipKeyFile = join(dir, 'gossip.key');
  ensureSecretFile(gossipKeyFile, newGossipKey);
  const tlsDir = join(dir, 'tls');
  const caFile = join(tlsDir, 'consul-agent-ca.pem');
  const caKeyFile = join(tlsDir, 'consul-agent-ca-key.pem');
  if (!existsSync(caFile) || !existsSync(caKeyFile)) consulTls(binary, tlsDir, ['ca', 'create']);
  chmodSync(caKeyFile, 0o600);
  const serverCert = ensureServerCert({ dir: tlsDir, caFile, caKeyFile, datacenter, binary });
  const managementTokenFile = join(dir, 'management.token');
  ensureSecretFile(managementTokenFile, randomUUID);
  const agentTokenFile = join(dir, 'tokens', 'agent');
  ensureSecretFile(agentTokenFile, randomUUID);
  return { gossipKeyFile, caFile, serverCert, managementTokenFile, agentTokenFile };
}

/** The folder of role tokens (one file per token name) beside a local agent's other secrets. */
export const localTokensDir = (dir: string): string => join(dir, 'tokens');
