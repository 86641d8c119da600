import type { KitCode } from '@platform/process-runner';
import { KitError } from '../errors/kit-errors';

/** What the database layer raises about its own use; `code` is stable, prefixed KIT_DB_. */
export class DatabaseError extends KitError {
  constructor(code: Extract<KitCode, `KIT_DB_${string}`>, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(code, message, retryable, options);
  }
}

interface PgLikeError {
  code?: string;
  message?: string;
}

const asPg = (err: unknown): PgLikeError => (typeof err === 'object' && err !== null ? (err as PgLikeError) : {});

/** SQLSTATE 23505: a unique constraint refused the row; `constraint` names which one, when given. */
export const isUniqueViolation = (err: unknown, constraint?: string): boolean =>
  asPg(err).code === '23505' && (constraint === undefined || (err as { constraint?: string }).constraint === constraint);

/** SQLSTATE 25006: the statement tried to write in a read-only transaction. */
export const isReadOnlyViolation = (err: unknown): boolean => asPg(err).code === '25006';

/**
 * The connection broke under the query (server restarted or gone, connection cut), as opposed to
 * the query failing: such a read can be sent again on another connection.
 */
export function isBrokenConnection(err: unknown): boolean {
  const { code, message = '' } = asPg(err);
  if (code && /^(08|57P0[1-3])/.test(code)) return true;
  if (code && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
  return /Connection terminated|connection ended|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

export const writeOnReadPool = (cause: unknown): DatabaseError =>
  new DatabaseError('KIT_DB_WRITE_ON_READ_POOL', 'a write was sent on db.read, whose connections are read-only (they may reach a replica); send writes on db.write', false, { cause });
