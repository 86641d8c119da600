import { z } from 'zod';
import { ConfigError } from '../errors/kit-errors';
import { baseConfigShape, type BaseConfig } from './base-config';

/** The kit's settings plus a service's own, as one typed object. */
export type LoadedConfig<Extra extends z.ZodRawShape> = BaseConfig & z.infer<z.ZodObject<Extra>>;

/** Every variable of `shape` read from the environment, or every problem found (never only the first). */
export type EnvCheck<T> = { ok: true; data: T } | { ok: false; problems: string[] };

/**
 * Validates `env` against `shape` at once. A problem names its variable and what is wrong, and
 * shows the value given unless the name looks secret or the value holds credentials.
 */
export function checkEnv<Shape extends z.ZodRawShape>(env: NodeJS.ProcessEnv, shape: Shape): EnvCheck<z.infer<z.ZodObject<Shape>>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return { ok: true, data: result.data };
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.');
    const raw = env[String(issue.path[0])];
    const message = raw === undefined && issue.code === 'invalid_type' ? 'is required but not set' : issue.message;
    // A URL with user:password@ carries a secret whatever the variable is called.
    const secret = /secret|password|token|key/i.test(name) || /:\/\/[^/@\s]*:[^/@\s]*@/.test(raw ?? '');
    const shown = raw === undefined || secret ? '' : ` (got ${JSON.stringify(raw)})`;
    return `${name}: ${message}${shown}`;
  });
  return { ok: false, problems };
}

/**
 * Reads the kit's variables plus a service's own from `env`, validates them all at once and
 * throws a ConfigError naming every bad variable.
 */
export function loadConfig<Extra extends z.ZodRawShape = Record<string, never>>(
  env: NodeJS.ProcessEnv,
  extra?: Extra,
): LoadedConfig<Extra> {
  const result = checkEnv(env, { ...baseConfigShape, ...(extra ?? {}) });
  if (!result.ok) throw new ConfigError(result.problems);
  return result.data as LoadedConfig<Extra>;
}
