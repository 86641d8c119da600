export { startConsulAgent } from './agent';
export type { ConsulAgent, ConsulAgentOptions } from './agent';
export { renderAgentConfig } from './agent-config';
export type { ConsulPorts, AgentConfigInput, ClusterMembership } from './agent-config';
export { ensureLocalSecurity, ensureServerCert, localTokensDir, readSecurityValues } from './security-files';
export type { ConsulSecurity, SecurityValues } from './security-files';
export { DRAIN_KV_ROOT, isTokenName, serviceTokenName, tokenSpec } from './acl-rules';
export type { TokenContext, TokenSpec } from './acl-rules';
export { ConsulAcl, isTokenSecret } from './acl-tokens';
