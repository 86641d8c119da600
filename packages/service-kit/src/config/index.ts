export { checkEnv, loadConfig } from './load-config';
export type { EnvCheck, LoadedConfig } from './load-config';
export { baseConfigSchema, baseConfigShape } from './base-config';
export type { BaseConfig } from './base-config';
export * as env from './env-types';
