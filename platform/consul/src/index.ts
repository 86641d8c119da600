export { startConsulAgent } from './agent';
export type { ConsulAgent, ConsulAgentOptions } from './agent';
export { renderAgentConfig } from './agent-config';
export type { ConsulPorts, AgentConfigInput, ClusterMembership } from './agent-config';
export { repoRoot, platformHome, platformBin } from './paths';
