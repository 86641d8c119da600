export interface ConsulPorts {
  http: number;
  server: number;
  serfLan: number;
  /** -1 disables the DNS interface. */
  dns: number;
}

export interface AgentConfigInput {
  nodeName: string;
  datacenter: string;
  dataDir: string;
  bindAddr: string;
  ports: ConsulPorts;
  logLevel?: string;
}

/**
 * The agent configuration the platform runs: a single server that elects itself, every interface
 * on the bind address (loopback locally), no update check, no UI, no remote exec or script checks.
 */
export function renderAgentConfig(input: AgentConfigInput): Record<string, unknown> {
  return {
    node_name: input.nodeName,
    datacenter: input.datacenter,
    data_dir: input.dataDir,
    server: true,
    bootstrap_expect: 1,
    bind_addr: input.bindAddr,
    advertise_addr: input.bindAddr,
    client_addr: input.bindAddr,
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
    ui_config: { enabled: false },
    log_level: input.logLevel ?? 'INFO',
    // Faster leader election and failure detection than the WAN-tuned defaults; fine on one host.
    performance: { raft_multiplier: 1 },
    leave_on_terminate: false,
    skip_leave_on_interrupt: true,
  };
}
