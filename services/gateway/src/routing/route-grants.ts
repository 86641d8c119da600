import { join } from 'node:path';
import { SERVICE_NAME } from '@platform/service-kit';
import { z } from 'zod';
import { loadJsonFile } from '../json-file';
import { prefixProblem } from './route-table';

/**
 * Prefixes outside `/<name>` that an operator lets a service declare, by service name. A file in
 * the repository (reviewed like code), not Consul meta: whoever can register a service must not
 * also be able to widen what it may claim.
 */
export type RouteGrants = ReadonlyMap<string, readonly string[]>;

export const NO_GRANTS: RouteGrants = new Map();

/** The file shipped with the gateway; GATEWAY_ROUTE_GRANTS_FILE names another. */
export const DEFAULT_GRANTS_FILE = join(__dirname, '..', '..', 'route-grants.json');

const grantsSchema = z.object({
  grants: z.array(
    z.object({
      service: z.string().regex(SERVICE_NAME, 'must be a service name (lowercase letters, digits and -, at most 63)'),
      prefixes: z.array(z.string().superRefine((prefix, ctx) => {
        const problem = prefixProblem(prefix);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(prefix)} ${problem}` });
      })).min(1),
      /** Why the operator granted it; for the reviewer, not used by the gateway. */
      reason: z.string().min(1),
    }).strict(),
  ),
}).strict();

export function loadRouteGrants(file: string): RouteGrants {
  const { grants } = loadJsonFile('GATEWAY_ROUTE_GRANTS_FILE', file, grantsSchema, 'route grants file');
  const out = new Map<string, string[]>();
  for (const grant of grants) out.set(grant.service, [...(out.get(grant.service) ?? []), ...grant.prefixes]);
  return out;
}
