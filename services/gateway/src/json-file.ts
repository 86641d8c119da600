import { readFileSync } from 'node:fs';
import { StartupError } from '@platform/service-kit';
import type { z } from 'zod';

/**
 * Reads an operator's JSON file named by `variable` and checks it against `schema`; every problem
 * is reported at once, by its place in the file, and the gateway does not start with a bad file.
 */
export function loadJsonFile<S extends z.ZodTypeAny>(variable: string, file: string, schema: S, what: string): z.infer<S> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StartupError(`cannot read ${variable} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new StartupError(`${variable} ${file} is not a valid ${what}: ${problems}`);
  }
  return result.data;
}
