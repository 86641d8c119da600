export { FeatureFlags } from './feature-flags';
export type { FlagCheck, KvEntry } from './feature-flags';
export { watchFlags } from './flags-watch';
export type { FlagsWatch } from './flags-watch';
export { flagBucket, inRollout } from './flag-hash';
export { FLAGS_KV_ROOT, FLAG_NAME, FlagValueError, describeFlagValue, flagKey, flagPercent, flagValueFromWord, formatFlagValue, parseFlagValue } from './flag-value';
export type { FlagValue } from './flag-value';
