import { CLIENT_TABLE } from '@platform/haproxy/dist/edge-auth-rules';
import { runtimeCommand } from '@platform/haproxy/dist/runtime-api';
import type { TestLb } from './load-balancer';

/** The request count an edge's client table holds for `clientId` (0 before its first request), read through the Runtime API. */
export async function clientCount(edge: TestLb, clientId: string): Promise<number> {
  const answer = await runtimeCommand(edge.adminSocket, `show table ${CLIENT_TABLE}`);
  const line = answer.split('\n').find((l) => new RegExp(`key=\\S*\\b${clientId}\\b`).test(l));
  return Number(/http_req_rate\(\d+\)=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/** An edge's HAProxy worker process id (`show info`): a reload replaces the worker, so a new id counts one. */
export async function workerPid(edge: TestLb): Promise<string> {
  return /^Pid: (\d+)$/m.exec(await runtimeCommand(edge.adminSocket, 'show info'))?.[1] ?? '?';
}

/**
 * Whether the edge's worker has ended its first sync of the client table (`show peers` flags hold
 * both resync bits, 0x1 and 0x2). HAProxy 2.6 hands the table to the next worker at a reload only
 * after that: at once for a worker its predecessor taught, 5 to 10 s after an edge's start otherwise.
 */
export async function tableSynced(edge: TestLb): Promise<boolean> {
  const flags = /\bflags=0x([0-9a-f]+)/i.exec(await runtimeCommand(edge.adminSocket, 'show peers'))?.[1];
  return flags !== undefined && (Number.parseInt(flags, 16) & 0x3) === 0x3;
}
