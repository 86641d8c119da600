/**
 * PostgreSQL WAL positions (LSNs, written `16/B374D848`) as numbers that compare. The header
 * carries the primary's position after a write, so a later request can ask to see that write.
 */
export const LSN_HEADER = 'x-db-lsn';

const LSN_TEXT = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

export function parseLsn(text: string | null | undefined): bigint | undefined {
  const match = typeof text === 'string' ? LSN_TEXT.exec(text.trim()) : null;
  if (!match?.[1] || !match[2]) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`);
}

export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

export const laterLsn = (a: bigint | undefined, b: bigint | undefined): bigint | undefined => (a === undefined ? b : b === undefined || a >= b ? a : b);
