import { PlatformError } from '@platform/process-runner';
import { DB_ROLES } from './secrets';

export interface HbaInput {
  /** The server's own address: logins from it count as this machine. */
  host: string;
  /** Networks beyond this machine whose app role may log in and whose replicas may stream (a cloud node's private subnets). */
  clientCidrs?: readonly string[];
  /** The application database: the one the app role may reach from those networks. */
  database: string;
  /** Given, logins from the networks must use TLS (hostssl). */
  tls?: ServerTls;
}

export interface ServerTls {
  certFile: string;
  keyFile: string;
}

const LOOPBACK = ['127.0.0.1/32', '::1/128'];
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const HBA_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'replication']);

/**
 * Who may log in, all by password (SCRAM); the first matching line decides, and no line is a refusal.
 * - This machine (loopback, and the server's own address when it listens on another): every role,
 *   the superuser only here. The platform's bootstrap, Patroni and the role check connect so.
 * - The client networks: the replicator role for replication and for pg_rewind (database
 *   postgres, where Patroni checks a former leader), the app role for its own database, nothing
 *   else; over TLS only (hostssl) when the server has a certificate.
 */
export function renderHba(input: HbaInput): string {
  const line = (type: string, database: string, user: string, address: string): string => `${type.padEnd(7)}  ${database.padEnd(11)}  ${user.padEnd(16)}  ${address.padEnd(18)}  scram-sha-256`;
  if (!DATABASE_NAME.test(input.database) || HBA_KEYWORDS.has(input.database)) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `invalid database name ${JSON.stringify(input.database)}`);
  const bad = input.clientCidrs?.find((cidr) => !IPV4_CIDR.test(cidr));
  if (bad !== undefined) throw new PlatformError('PLATFORM_DB_CONFIG_INVALID', `client networks must be IPv4 CIDRs such as 10.0.0.0/16, got ${JSON.stringify(bad)}`);
  const own = input.host === '127.0.0.1' ? [] : [`${input.host}/32`];
  const local = [...LOOPBACK, ...own];
  const network = input.tls ? 'hostssl' : 'host';
  const cidrs = input.clientCidrs ?? [];
  return [
    '# Written by @platform/postgres (through Patroni) at every start.',
    `# ${'TYPE'.padEnd(7)}  ${'DATABASE'.padEnd(11)}  ${'USER'.padEnd(16)}  ${'ADDRESS'.padEnd(18)}  METHOD`,
    ...local.map((address) => line('host', 'all', 'all', address)),
    ...local.map((address) => line('host', 'replication', DB_ROLES.replicator, address)),
    ...cidrs.map((cidr) => line(network, 'replication', DB_ROLES.replicator, cidr)),
    ...cidrs.map((cidr) => line(network, 'postgres', DB_ROLES.replicator, cidr)),
    ...cidrs.map((cidr) => line(network, input.database, DB_ROLES.app, cidr)),
    '',
  ].join('\n');
}
