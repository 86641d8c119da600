import { RELEASE_ID } from '@platform/consul';
import { PlatformError } from '@platform/process-runner';
import { SERVICE_NAME } from '@platform/service-kit';
import { DEFAULT_THRESHOLDS, type CanaryThresholds } from './canary-analysis';
import { STRATEGIES, type DeployStrategy } from './deploy-status';

/** What `platform deploy` asks the supervisor (POST /deploy); every field checked here, once. */
export interface DeployRequest {
  service: string;
  release: string;
  strategy: DeployStrategy;
  /** Canary: percent of callers sent to the candidate. */
  weight: number;
  /** Canary: how long its figures are gathered. */
  analysisS: number;
  /** Blue-green: how long the old set stays idle (instant rollback) before it is drained. */
  keepS: number;
  /** How long one new instance may take to pass and be routed. */
  healthTimeoutS: number;
  thresholds: CanaryThresholds;
}

export const DEPLOY_DEFAULTS = { strategy: 'rolling', weight: 10, analysisS: 60, keepS: 600, healthTimeoutS: 60 } as const;

const usage = (what: string): PlatformError => new PlatformError('PLATFORM_USAGE', `deploy: ${what}`);

function numberIn(value: unknown, name: string, min: number, max: number, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) throw usage(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  return value;
}

export function parseDeployRequest(body: unknown): DeployRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.service !== 'string' || !SERVICE_NAME.test(b.service)) throw usage('service must be a service name');
  if (typeof b.release !== 'string' || !RELEASE_ID.test(b.release)) throw new PlatformError('PLATFORM_RELEASE_INVALID', `${JSON.stringify(b.release)} is not a release id`);
  const strategy = b.strategy ?? DEPLOY_DEFAULTS.strategy;
  if (!STRATEGIES.includes(strategy as DeployStrategy)) throw usage(`strategy must be one of ${STRATEGIES.join(', ')}`);
  const t = (typeof b.thresholds === 'object' && b.thresholds !== null ? b.thresholds : {}) as Record<string, unknown>;
  return {
    service: b.service,
    release: b.release,
    strategy: strategy as DeployStrategy,
    weight: numberIn(b.weight, 'weight', 1, 100, DEPLOY_DEFAULTS.weight),
    analysisS: numberIn(b.analysisS, 'analysis', 1, 3600, DEPLOY_DEFAULTS.analysisS),
    keepS: numberIn(b.keepS, 'keep', 0, 86_400, DEPLOY_DEFAULTS.keepS),
    healthTimeoutS: numberIn(b.healthTimeoutS, 'health timeout', 1, 600, DEPLOY_DEFAULTS.healthTimeoutS),
    thresholds: {
      minRequests: numberIn(t.minRequests, 'min requests', 1, 1_000_000, DEFAULT_THRESHOLDS.minRequests),
      maxErrorIncrease: numberIn(t.maxErrorIncrease, 'max error increase', 0, 1, DEFAULT_THRESHOLDS.maxErrorIncrease, false),
      maxP99Ratio: numberIn(t.maxP99Ratio, 'max p99 ratio', 1, 100, DEFAULT_THRESHOLDS.maxP99Ratio, false),
      minP99DeltaS: numberIn(t.minP99DeltaS, 'min p99 delta', 0, 60, DEFAULT_THRESHOLDS.minP99DeltaS, false),
    },
  };
}
