import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STRATEGIES = ['rolling', 'canary', 'blue-green'] as const;
export type DeployStrategy = (typeof STRATEGIES)[number];

/** running; keeping (blue-green: switched, the old set idle until --keep ends); then one of the ends. */
export type DeployOutcome = 'running' | 'keeping' | 'done' | 'rolled back' | 'failed';

export interface DeployDecision {
  at: string;
  message: string;
}

/** One deploy or rollback of a service, as `platform deploy status` shows it; kept after it ends. */
export interface DeployStatus {
  service: string;
  kind: 'deploy' | 'rollback';
  strategy: DeployStrategy;
  from: string | null;
  to: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: DeployOutcome;
  /** Why it rolled back or failed (the last decision says it too). */
  error: string | null;
  /** The catalogued code of a failure, when it has one (PLATFORM_DEPLOY_MIGRATION_FAILED). */
  code?: string;
  decisions: DeployDecision[];
}

export const isFinished = (status: DeployStatus): boolean => status.outcome !== 'running' && status.outcome !== 'keeping';

const fileOf = (stateDir: string, service: string): string => join(stateDir, 'deploys', `${service}.json`);

/** Written whole and renamed, so `platform deploy status` never reads half a record. */
export function writeDeployStatus(stateDir: string, status: DeployStatus): void {
  mkdirSync(join(stateDir, 'deploys'), { recursive: true });
  const file = fileOf(stateDir, status.service);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function readDeployStatus(stateDir: string, service: string): DeployStatus | undefined {
  const file = fileOf(stateDir, service);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DeployStatus;
  } catch {
    return undefined;
  }
}
