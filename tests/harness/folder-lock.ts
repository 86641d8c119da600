import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive } from '@platform/process-runner';

/**
 * A lock that is a folder, made atomically (mkdir), holding its taker's pid: test files running in
 * different jest workers take turns with it. A lock whose taker is gone is free.
 */
export function holderOf(lock: string): number {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return 0;
  }
}

/** Takes `lock` for this process if it is free; whether this process holds it now. */
export function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch {
    const holder = holderOf(lock);
    if (holder === process.pid) return true;
    // A folder without a pid yet is being taken right now; one whose taker is gone is free.
    if (holder > 0 && !pidAlive(holder)) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

/** Whether another live process holds `lock` (or is taking it right now). */
export function heldByAnother(lock: string): boolean {
  if (!existsSync(lock)) return false;
  const holder = holderOf(lock);
  return holder === 0 || (holder !== process.pid && pidAlive(holder));
}

/** Gives `lock` back, if this process holds it. */
export function releaseLock(lock: string): void {
  if (holderOf(lock) === process.pid) rmSync(lock, { recursive: true, force: true });
}
