import type { Release } from '../releases/release-store';
import type { DeployRequest } from './deploy-request';
import type { Fleet } from './fleet';

/** What a strategy gets: the fleet, the request, the release to bring, and where its decisions go. */
export interface DeployContext {
  fleet: Fleet;
  request: DeployRequest;
  target: Release;
  /** Logs a decision and keeps it for `platform deploy status`. */
  decide(message: string): void;
  /** Blue-green, after the switch: the old set is idle now. */
  keeping(): void;
  /** Resolves after `ms`, or earlier with 'rollback' when `platform rollback` asks for one. */
  wait(ms: number): Promise<'elapsed' | 'rollback'>;
}

export type StrategyResult = { outcome: 'done' } | { outcome: 'rolled back'; reason: string };

export const rolledBack = (reason: string): StrategyResult => ({ outcome: 'rolled back', reason });
