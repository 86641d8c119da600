export interface ConsulPorts {
  http: number;
  server: number;
  serfLan: number;
  /** -1 disables the DNS interface. */
  dns: number;
}

/**
 * A node of a multi-node cluster (the cloud layout: three or five servers, a client agent on
 * every other node). Without it the agent is the single self-electing server of a local platform.
 */
export interface ClusterMembership {
  server: boolean;
  /** Servers only: how many servers to wait for before the first election. */
  bootstrapExpect?: number;
  /** Addresses or cloud auto-join strings ("provider=aws tag_key=... tag_value=..."). */
  retryJoin: string[];
  /** Where the HTTP API listens; loopback unless something off the node must reach it. */
  clientAddr: string;
}

import type { SecurityValues } from './security-files';

export interface AgentConfigInput {
  nodeName: string;
  datacenter: string;
  dataDir: string;
  bindAddr: string;
  ports: ConsulPorts;
  logLevel?: string;
  cluster?: ClusterMembership;
  security: SecurityValues;
}

/** Server or client, and how it finds the others; a lone local agent is a server that elects itself. */
function membership(input: AgentConfigInput): Record<string, unknown> {
  const { cluster } = input;
  if (!cluster) return { server: true, bootstrap_expect: 1, client_addr: input.bindAddr };
  return {
    server: cluster.server,
    ...(cluster.server ? { bootstrap_expect: cluster.bootstrapExpect ?? 3 } : {}),
    retry_join: cluster.retryJoin,
    client_addr: cluster.clientAddr,
    // Servers leave the raft peer set only by an operator's hand; a client that stops leaves at once.
    leave_on_terminate: !cluster.server,
  };
}

/**
 * The agent configuration the platform runs: serf and RPC on the bind address (loopback locally,
 * the node's private address in the cloud), the web UI on the HTTP listener, no update check, no
 * remote exec or script checks.
 */
export function renderAgentConfig(input: AgentConfigInput): Record<string, unknown> {
  return {
    node_name: input.nodeName,
    datacenter: input.datacenter,
    data_dir: input.dataDir,
    bind_addr: input.bindAddr,
    advertise_addr: input.bindAddr,
    ports: {
      http: input.ports.http,
      https: -1,
      grpc: -1,
      grpc_tls: -1,
      dns: input.ports.dns,
      server: input.ports.server,
      serf_lan: input.ports.serfLan,
      serf_wan: -1,
    },
    disable_update_check: true,
    disable_remote_exec: true,
    enable_script_checks: false,
    // The web UI is served on the HTTP listener (loopback unless CONSUL_CLIENT_ADDR says otherwise) and
    // shows only what the token typed into it may read: it opens nothing the API does not.
    ui_config: { enabled: true },
    log_level: input.logLevel ?? 'INFO',
    // Faster leader election and failure detection than the WAN-tuned defaults; fine on one host.
    performance: { raft_multiplier: 1 },
    leave_on_terminate: false,
    skip_leave_on_interrupt: true,
    // Chosen, not inherited. Everything on a node reaches its agent from one address (loopback),
    // so the per-client limit is a per-node budget: the platform's watchers hold at most 4
    // connections each (the kit's shared catalog watcher), about 30 for the daemons of a node,
    // and each instance a few short ones to register and drain. The default 200 was reached by a
    // few hundred instances starting at once and then refused the operator's CLI and the
    // instances' own registrations (429); 1,000 keeps that headroom and still stops a runaway
    // process before it exhausts the agent's file descriptors. RPC (client agents to servers)
    // uses a small pool per agent: the default 100 is kept, written here so it is a decision.
    limits: { http_max_conns_per_client: 1000, rpc_max_conns_per_client: 100 },
    ...membership(input),
    ...security(input.security, input.cluster?.server ?? true),
  };
}

/**
 * ACLs deny what no token grants; gossip is encrypted with the shared key; RPC between agents is
 * TLS, both sides verified against the platform's CA, and a server must hold a certificate for
 * `server.<dc>.consul` (so a client's certificate cannot act as a server). Clients get their
 * certificate from the servers (auto_encrypt) with their agent token. The HTTP API stays plain
 * HTTP: it listens on loopback only, and every call carries a token.
 */
function security(values: SecurityValues, server: boolean): Record<string, unknown> {
  const tokens = {
    ...(values.initialManagement ? { initial_management: values.initialManagement } : {}),
    ...(values.agentToken ? { agent: values.agentToken } : {}),
  };
  return {
    encrypt: values.encryptKey,
    encrypt_verify_incoming: true,
    encrypt_verify_outgoing: true,
    tls: {
      defaults: {
        ca_file: values.caFile,
        ...(values.serverCert ? { cert_file: values.serverCert.certFile, key_file: values.serverCert.keyFile } : {}),
        // A client accepts no RPC, and Consul refuses verify_incoming on an auto_encrypt client.
        verify_incoming: server,
        verify_outgoing: true,
      },
      internal_rpc: { verify_server_hostname: true },
    },
    auto_encrypt: server ? { allow_tls: true } : { tls: true },
    acl: { enabled: true, default_policy: 'deny', down_policy: 'extend-cache', enable_token_persistence: true, tokens },
  };
}
