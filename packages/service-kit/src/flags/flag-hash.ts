import { createHash } from 'node:crypto';

/** Buckets per percent point: a percentage flag could later take hundredths without moving anybody. */
const BUCKETS = 10_000;

/**
 * Where a client falls for one flag, 0..9999: the first four bytes of SHA-256 over the flag's name
 * and the client id. The same on every instance and after every restart (nothing random, nothing
 * local), and independent between flags, so the 30 % of one flag are not the 30 % of every other.
 * 2^32 is not a multiple of 10,000; the bias that leaves is below one in 400,000.
 */
export function flagBucket(flag: string, clientId: string): number {
  const digest = createHash('sha256').update(flag).update('\0').update(clientId).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/** Whether a client is among the `percent` (0-100) a percentage flag is on for. Raising the percentage only adds clients. */
export const inRollout = (flag: string, clientId: string, percent: number): boolean => flagBucket(flag, clientId) < percent * (BUCKETS / 100);
