/**
 * The feature-flag record: one JSON value per flag at `<FLAGS_KV_ROOT><name>` in Consul KV, written
 * by `platform flags set` and read by every kit instance. platform/consul's acl-rules.ts keeps the
 * same prefix (FLAGS_KV_ROOT) for the tokens' rules; a unit test holds the two equal.
 *
 * KV is untrusted input here (anyone with write on the prefix, or a hand-made `consul kv put`),
 * so parseFlagValue accepts only these two shapes and says what is wrong with anything else.
 */
export const FLAGS_KV_ROOT = 'platform/flags/';

/** Lower-case letters, digits and dashes, starting with a letter: safe in a KV key, a log line and a metric label. */
export const FLAG_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export type FlagValue = { type: 'boolean'; on: boolean } | { type: 'percentage'; percent: number };

export const flagKey = (name: string): string => `${FLAGS_KV_ROOT}${name}`;

export class FlagValueError extends Error {}

/** The flag's record as it is stored. */
export const formatFlagValue = (value: FlagValue): string => JSON.stringify(value);

/** How the CLI and the logs show a value: `on`, `off`, `30%`. */
export const describeFlagValue = (value: FlagValue): string => (value.type === 'boolean' ? (value.on ? 'on' : 'off') : `${value.percent}%`);

/** The share of callers (0-100) a value turns the flag on for; the metric of current values. */
export const flagPercent = (value: FlagValue): number => (value.type === 'boolean' ? (value.on ? 100 : 0) : value.percent);

/** A record read from KV; throws FlagValueError naming what is wrong. */
export function parseFlagValue(text: string): FlagValue {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FlagValueError('is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FlagValueError('is not an object');
  const r = raw as Record<string, unknown>;
  if (r.type === 'boolean') {
    if (typeof r.on !== 'boolean') throw new FlagValueError('is a boolean flag without a true/false "on"');
    return { type: 'boolean', on: r.on };
  }
  if (r.type === 'percentage') {
    if (!isPercent(r.percent)) throw new FlagValueError('is a percentage flag whose "percent" is not a whole number 0-100');
    return { type: 'percentage', percent: r.percent };
  }
  throw new FlagValueError('has a "type" that is neither "boolean" nor "percentage"');
}

/** What an operator types: `on`, `off`, `true`, `false` or `<n>%` (n a whole number 0-100); undefined for anything else. */
export function flagValueFromWord(word: string): FlagValue | undefined {
  if (word === 'on' || word === 'true') return { type: 'boolean', on: true };
  if (word === 'off' || word === 'false') return { type: 'boolean', on: false };
  const match = /^(\d{1,3})%$/.exec(word);
  const percent = match ? Number(match[1]) : NaN;
  return isPercent(percent) ? { type: 'percentage', percent } : undefined;
}

const isPercent = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100;
