import { consistency, DependencyUnavailableError, formatLsn, LSN_HEADER, primaryWalLsn, ServiceCallError, UnprocessableError, type Queryable, type ServiceClient } from '@platform/service-kit';

export interface UserCheck {
  /** Resolves when `userId` is a user; throws a 422 problem when not, a 503 when users cannot say. */
  ensureExists(userId: string): Promise<void>;
}

/**
 * Asks the users service, through the internal load balancer, whether an order's user exists.
 * Users answers from a replica: a user created a moment ago may not have reached it yet, so a
 * "not found" is asked again with the primary's current position, which makes users read data at
 * least that new before it answers. Only then is the order refused.
 */
export function createUserCheck(services: ServiceClient, primary: Queryable): UserCheck {
  const ask = async (userId: string, lsn: bigint | undefined): Promise<number> => {
    const headers: Record<string, string> = lsn === undefined ? {} : { [LSN_HEADER]: formatLsn(lsn) };
    try {
      // The kit's call timeout (5 s): it had 2 s of its own, and on a loaded machine (the HA test's
      // 1,000 orders beside three-member clusters) users' first reads wait longer than that for a
      // new database connection, so orders refused with 503 what users answered a moment later.
      return (await services.call('users', `/users/${encodeURIComponent(userId)}`, { headers, route: '/users/:id' })).status;
    } catch (err) {
      if (err instanceof ServiceCallError) throw new DependencyUnavailableError(`cannot check user ${userId} with the users service (${err.message}); nothing was created, try again`);
      throw err;
    }
  };
  return {
    async ensureExists(userId) {
      let status = await ask(userId, consistency.requiredLsn());
      if (status === 404) status = await ask(userId, await primaryWalLsn(primary));
      if (status === 200) return;
      if (status === 404) throw new UnprocessableError(`user ${userId} does not exist`, { userId });
      throw new DependencyUnavailableError(`the users service answered ${status} when asked for user ${userId}; nothing was created, try again`);
    },
  };
}
