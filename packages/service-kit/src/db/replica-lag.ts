import { integerVar } from '../config/env-types';

/**
 * The replica-lag bound: how far behind the primary (in milliseconds of replay) a replica may be
 * and still serve reads. One name and one default everywhere it is read: the CLI, each server's
 * role check, the database HAProxy's controller, and the query parameter that HAProxy's replica
 * check sends (`GET /replica?lag=N`, named after Patroni's own `/replica?lag=`; Patroni counts
 * bytes, the role check counts milliseconds).
 */
export const MAX_REPLICA_LAG_VAR = 'POSTGRES_MAX_REPLICA_LAG_MS';
export const DEFAULT_MAX_REPLICA_LAG_MS = 500;
/** An hour: a larger bound would let a replica that stopped replaying serve reads all day. */
export const MAX_REPLICA_LAG_LIMIT_MS = 3_600_000;
export const REPLICA_LAG_QUERY = 'lag';

/** The variable's zod type, for `config: { [MAX_REPLICA_LAG_VAR]: maxReplicaLagVar }`. */
export const maxReplicaLagVar = integerVar(0, MAX_REPLICA_LAG_LIMIT_MS).default(String(DEFAULT_MAX_REPLICA_LAG_MS));

/** The role-check path a load balancer asks to learn whether a replica serves within `maxLagMs`. */
export const replicaCheckPath = (maxLagMs: number): string => `/replica?${REPLICA_LAG_QUERY}=${maxLagMs}`;
