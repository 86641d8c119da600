import { hostname } from 'node:os';
import { z } from 'zod';
import { tracingConfigShape } from '../tracing/tracing-config';
import { booleanVar, csvVar, durationVar, hostPortVar, identifierVar, integerVar, ipVar, portVar, releaseIdVar } from './env-types';

/**
 * Variables every service understands. A service adds its own with `extend`; for every variable
 * the environment wins over the default written here, and there is no other source.
 */
export const baseConfigShape = {
  HOST: ipVar.default('127.0.0.1'),
  PORT: portVar.default('0'),
  /** Address registered in Consul; defaults to HOST, and must be set when HOST is a wildcard. */
  SERVICE_ADDRESS: ipVar.optional(),
  CONSUL_HTTP_ADDR: hostPortVar.default('127.0.0.1:8500'),
  /** File holding this instance's Consul ACL token (read once at start; the token is never in the environment). */
  CONSUL_HTTP_TOKEN_FILE: z.string().min(1).optional(),
  /** The internal load balancer through which this service calls others (set by `platform up`). */
  INTERNAL_LB_ADDR: hostPortVar.optional(),
  /** How long start waits for the agent and its first registration; a restarted agent restoring a large catalog is slow. */
  CONSUL_START_TIMEOUT_MS: integerVar(0, 600_000).default('30000'),
  INSTANCE_ID: identifierVar.optional(),
  /** The release this instance runs (set by the supervisor, which starts it from that release's folder); registered as meta `release`. */
  PLATFORM_RELEASE: releaseIdVar.optional(),
  NODE_NAME: identifierVar.default(hostname().replace(/[^A-Za-z0-9._-]/g, '-')),
  SERVICE_TAGS: csvVar.default(''),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  LOG_DIR: z.string().min(1).optional(),
  LOG_TO_STDOUT: booleanVar.default('true'),
  /** Field names, beyond the kit's list and the service's own, whose values never reach a log line. */
  LOG_REDACT_KEYS: csvVar.default(''),
  CHECK_INTERVAL: durationVar.default('1s'),
  /**
   * How long Consul's check waits for /health/ready. One check over it makes the instance critical
   * and the load balancers drop it: at 1 s, a starved node (CPU shared with a load test) had every
   * instance of orders critical at the same moment while each was serving, and callers met an
   * empty backend (ha-clusters e2e: ~500 of 1,000 orders answered 503). A dead instance is still
   * seen at once: its refused connection fails the check without waiting.
   */
  CHECK_TIMEOUT: durationVar.default('3s'),
  DEREGISTER_CRITICAL_AFTER: durationVar.default('1m'),
  REREGISTER_INTERVAL_MS: integerVar(100, 600_000).default('2000'),
  /** Longest wait at shutdown for every load balancer to confirm it stopped routing here. */
  DRAIN_CONFIRM_TIMEOUT_MS: integerVar(0, 600_000).default('5000'),
  /** Serving time after those confirmations, for callers that resolved this instance directly. */
  DRAIN_MS: integerVar(0, 600_000).default('1000'),
  SHUTDOWN_TIMEOUT_MS: integerVar(1000, 600_000).default('30000'),
  BODY_LIMIT_BYTES: integerVar(1024, 100 * 1024 * 1024).default('1048576'),
  ...tracingConfigShape,
};

export const baseConfigSchema = z.object(baseConfigShape);
export type BaseConfig = z.infer<typeof baseConfigSchema>;
