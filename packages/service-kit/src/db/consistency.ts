import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import { LSN_HEADER, formatLsn, laterLsn, parseLsn } from './lsn';

/** What one request needs for read-your-writes: the newest write it must see and the one it made. */
export interface ConsistencyScope {
  /** From the caller's x-db-lsn header: a write made by an earlier request. */
  mustSee?: bigint;
  /** The primary's position after this request's last write. */
  wrote?: bigint;
}

const storage = new AsyncLocalStorage<ConsistencyScope>();

export const consistency = {
  current(): ConsistencyScope | undefined {
    return storage.getStore();
  },
  /** The position a read in the current request must reflect, if any. */
  requiredLsn(): bigint | undefined {
    const scope = storage.getStore();
    return scope ? laterLsn(scope.mustSee, scope.wrote) : undefined;
  },
  noteWrite(lsn: bigint): void {
    const scope = storage.getStore();
    if (scope) scope.wrote = laterLsn(scope.wrote, lsn);
  },
  /** Runs work outside a request (a job, a consumer) with its own scope. */
  run<T>(scope: ConsistencyScope, work: () => T): T {
    return storage.run(scope, work);
  },
};

/**
 * Every request gets its own scope: a valid x-db-lsn header makes its reads wait for that
 * position, and a request that wrote answers with the primary's position after its write in
 * the same header, for the caller to send along with a read that must see it.
 */
export function installReadYourWrites(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers[LSN_HEADER];
    storage.run({ mustSee: parseLsn(Array.isArray(header) ? header[0] : header) }, done);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    const wrote = storage.getStore()?.wrote;
    if (wrote !== undefined) reply.header(LSN_HEADER, formatLsn(wrote));
    return payload;
  });
}
