import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSystemAccount, type OsUser, writeSecretFile } from '@platform/process-runner';

/**
 * The OS accounts this state folder's platform made itself (`<state>/made-accounts.json`, 0600):
 * only those are ever removed again (`platform remove service`). An account that existed before,
 * one `platform accounts` made at image build, or one an operator made, is not listed and stays.
 */
type Ledger = Record<string, { madeGroup: boolean }>;

const ledgerFile = (stateDir: string): string => join(stateDir, 'made-accounts.json');

function readLedger(stateDir: string): Ledger {
  const file = ledgerFile(stateDir);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  // Only entries of the shape written here count: anything else is never a reason to delete an account.
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'object' && v !== null && typeof (v as { madeGroup?: unknown }).madeGroup === 'boolean')) as Ledger;
}

/** Makes the account `name` when missing (see ensureSystemAccount), noting what was made. */
export function ensureRecordedAccount(stateDir: string, name: string): OsUser {
  const made = ensureSystemAccount(name);
  if (made.madeUser) writeSecretFile(ledgerFile(stateDir), JSON.stringify({ ...readLedger(stateDir), [name]: { madeGroup: made.madeGroup } }, null, 2));
  return made.user;
}

/** What the platform made of account `name`, or undefined when it did not make it. */
export const madeAccount = (stateDir: string, name: string): { madeGroup: boolean } | undefined => readLedger(stateDir)[name];

export function forgetAccount(stateDir: string, name: string): void {
  const { [name]: _gone, ...rest } = readLedger(stateDir);
  writeSecretFile(ledgerFile(stateDir), JSON.stringify(rest, null, 2));
}
